"""The keyword watchlist: terms and their history (terms), text normalisation (normalize),
substring matching with exclusions and word-boundary confidence (matcher), near-duplicate
clustering of news (cluster) and scanning new items for terms (scan: it writes WatchHits;
the sweep's monitor.sweep.watch turns them into alerts).

Nothing here imports jieba at module level: `calendar due` must stay fast."""
