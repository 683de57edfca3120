"""Report files are private: they hold what citizens wrote (titles with phone and ID numbers),
so they are created 0600 — whatever the umask, and also when the file was already there with a
wider mode — and their personal numbers are masked unless an editor asks for the unmasked
export (`report --unmasked`, the dashboard's 未脱敏 download)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from monitor.masking import mask

PRIVATE = 0o600


def open_private(path: str | Path, binary: bool = False, **text: Any) -> IO[Any]:
    """Open `path` for writing (truncated), mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)  # an existing file keeps its mode through O_CREAT
        return os.fdopen(fd, "wb" if binary else "w", **text)
    except BaseException:
        os.close(fd)
        raise


def personal_text(unmasked: bool = False) -> Callable[[str | None], str]:
    """How a report shows text people wrote: masked with the core's rule (phone, ID and
    e-mail numbers, the same the alerts use), or as it is for the unmasked export."""
    if unmasked:
        return lambda text: text or ""
    return mask
