"""The keyword watchlist: terms and their history (terms), text normalisation (normalize),
substring matching with exclusions and word-boundary confidence (matcher), near-duplicate
clustering of news (cluster) and the sweep steps that turn hits into alerts (scan).

Nothing here imports jieba at module level: `calendar due` must stay fast."""
