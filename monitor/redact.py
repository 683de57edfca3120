"""Secrets never reach a terminal or a log: the password of any URL (`postgresql+psycopg://
om:SECRET@db/om` → `…//om:***@db/om`, SMTP URLs alike) and a WeCom webhook's `key=`.

Used by every error line the CLI prints (monitor.cli), by the daemon's log formatter and
wherever a URL is shown on purpose (`init`, the daemon's start-up line)."""

from __future__ import annotations

import re

# scheme://user:password@host — the authority runs to the first / ? # or space; its last
# "@" ends the user info, so a password with a raw "@" is hidden whole.
_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)([^\s/?#'\"<>]*)@")
_KEY_PARAM = re.compile(r"([?&](?:key|access_token|token|password)=)[^&\s'\"<>]+", re.IGNORECASE)


def _hide(match: re.Match[str]) -> str:
    scheme, userinfo = match.group(1), match.group(2)
    if ":" not in userinfo:
        return match.group(0)  # a user name alone is no secret (smtps://office@host)
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{user}:***@"


def hide_passwords(text: str) -> str:
    """`text` with every URL password (and webhook key) replaced by ***."""
    if "://" not in text and "=" not in text:
        return text
    return _KEY_PARAM.sub(r"\1***", _USERINFO.sub(_hide, text))
