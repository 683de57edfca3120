"""A channel's rate window across processes. A WeCom robot takes 20 messages a minute,
whoever sends them; a process that starts (the daemon after a restart, a CLI `dispatch`)
used to begin with an empty rate limiter, so after a busy minute the robot answered 45009
and the channel waited the whole minute out (the kill -9 benchmark's 63-second recoveries).
Now the times of the accepted sends are kept (Meta `rate-window.NAME`, wall-clock seconds)
and a channel's limiter starts from them: it waits only for what is left of the window.

Best effort by design: two processes writing at once may lose one another's latest times;
then the robot's 45009 is still read and waited out as before."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.channels import Notifier
from monitor.db.models import Meta


def _key(channel: str) -> str:
    return f"rate-window.{channel}"[:100]


def seed_windows(session: Session, notifiers: dict[str, Notifier]) -> None:
    """Give each channel built by this process the sends recorded by earlier ones (once)."""
    for name, notifier in notifiers.items():
        limiter = notifier.limiter
        if limiter is None or limiter.seeded:
            continue
        row = session.get(Meta, _key(name))
        try:
            sends = [float(t) for t in json.loads(row.value or "[]")] if row else []
        except (TypeError, ValueError):
            sends = []  # unreadable: start empty, as before
        limiter.seed(sends)


def record_window(session: Session, name: str, notifier: Notifier, moment: datetime) -> None:
    """Keep the channel's sends of the current window for the next process (not committed:
    it rides on the caller's next commit)."""
    limiter = notifier.limiter
    if limiter is None:
        return
    value = json.dumps([round(t, 3) for t in limiter.history()])
    row = session.get(Meta, _key(name))
    if row is None:
        session.add(Meta(key=_key(name), value=value, updated_at=moment))
    else:
        row.value, row.updated_at = value, moment
