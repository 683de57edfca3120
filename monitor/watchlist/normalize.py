"""One normal form for terms and text so 審計, 审计 and full-width forms match alike.

NFKC folds full-width letters, digits and punctuation (ＡＢＣ１２３，→ ABC123,), zhconv turns
traditional characters into simplified (zh-cn) and casefold makes Latin case-insensitive.
Text and terms both go through `normalize`; spans are reported on the normalised text."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """NFKC, then traditional → simplified (zh-cn), then casefold."""
    import zhconv

    folded = unicodedata.normalize("NFKC", text)
    return zhconv.convert(folded, "zh-cn").casefold()
