"""What one dispatch did: the counts the CLI, the daemon's log and the demo report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.timeutil import iso


@dataclass
class DispatchResult:
    at: datetime
    sent: int = 0  # alerts fully delivered
    failed: int = 0  # alerts not (fully) delivered this time; retried later
    held: int = 0  # non-crisis alerts waiting for office hours (all of them, after this dispatch)
    skipped: int = 0  # obsolete before delivery (the message was replied meanwhile)
    messages_sent: int = 0  # messages posted (after splitting)
    held_until: datetime | None = None  # when the first held alert goes out
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "sent": self.sent,
            "failed": self.failed,
            "held": self.held,
            "skipped": self.skipped,
            "messages_sent": self.messages_sent,
            "held_until": iso(self.held_until),
            "errors": self.errors,
        }
