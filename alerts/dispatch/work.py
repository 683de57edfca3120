"""One claimed alert on its way through a dispatch: its rendered item, its targets, which of
them are delivered (and by which channel), and where each stands on its channel list."""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.dispatch.routing import Target
from alerts.render import Item
from monitor.db.models import Alert


@dataclass
class Work:
    alert: Alert
    item: Item | None  # None for a summary: it is rendered per channel when sent
    targets: list[Target]
    done: dict[str, str]  # target → channel that delivered it
    position: dict[str, int] = field(default_factory=dict)  # target → index in its channels
    # target → the target whose channel is its fallback (that delivery covers this one)
    covered: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def route(self, target: str) -> list[str]:
        return dict(self.targets)[target]

    def delivered(self, target: str) -> bool:
        return target in self.done or self.covered.get(target, "") in self.done


Entry = tuple[Work, str]  # an alert and one of its targets
