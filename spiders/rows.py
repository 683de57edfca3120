"""What crosses from the crawl child to ingest: the row schema, declared once (issue 21).

The spider (spiders/spider.py) emits each row as `Row.to_dict()` (a JSON line); ingest
(monitor/ingest.py) reads it back with `parse_row`. Three kinds:

* `MessageRow` — one message of a `messages` section: the profile's known fields (times as
  ISO-8601 with offset), what the crawl knows about it (fingerprint, page, whether its detail
  page was read) and `pending`: why it cannot be tracked yet (a field only its detail page
  has, and that page could not be read). A pending row is stored and retried, never dropped.
  Fields the profile names beyond the known ones (an id used only in a detail template) ride
  along in `extra`, so a pending row can be retried from what the list said.
* `NewsRow` — one item of a `news` section.
* `ConsultationRow` — one draft of a `consultations` (意见征集) section.
* `CheckRow` — the answer of an unseen open message's own page (evidence for withdrawal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

# profile fields a message row carries by name; any other field goes to `extra`
MESSAGE_FIELDS = (
    "external_id",
    "url",
    "title",
    "posted_at",
    "department",
    "status_text",
    "category",
    "author",
    "body",
    "replied_at",
    "reply",
    "reply_department",
)
NEWS_FIELDS = ("url", "title", "body", "published_at", "outlet")


class RowError(ValueError):
    """A line from the child that is not a row of any kind."""


@dataclass
class MessageRow:
    external_id: str
    url: str | None = None
    title: str | None = None
    posted_at: str | None = None  # ISO-8601 with offset
    department: str | None = None
    status_text: str | None = None
    category: str | None = None
    author: str | None = None
    body: str | None = None
    replied_at: str | None = None  # ISO-8601 with offset
    reply: str | None = None
    reply_department: str | None = None
    public: bool = True  # False: a 不公开 row, listed without a link
    fingerprint: str | None = None  # hash of the list row: a change means "fetch the detail"
    page: int | None = None
    keyword: str | None = None
    list_url: str | None = None
    changed: bool = True  # the list row is new or differs from the known one
    detail: bool = False  # its detail page was read this pass
    detail_status: int | None = None  # the detail page's HTTP status when it was not read
    pending: str | None = None  # why it cannot be tracked yet (None: it can)
    extra: dict[str, str] = field(default_factory=dict)
    kind: Literal["message"] = "message"

    @classmethod
    def from_fields(cls, values: dict[str, Any], **crawl: Any) -> MessageRow:
        """A row from extracted field values (any names) plus what the crawl knows."""
        known = {k: values.get(k) for k in MESSAGE_FIELDS if values.get(k) is not None}
        extra = {
            k: str(v)
            for k, v in values.items()
            if k not in MESSAGE_FIELDS and k not in _CRAWL_KEYS and v is not None
        }
        return cls(**known, **crawl, extra=extra)  # type: ignore[arg-type]

    def values(self) -> dict[str, Any]:
        """The field values (known and extra), as a detail template or a retry reads them."""
        out: dict[str, Any] = dict(self.extra)
        out.update({k: getattr(self, k) for k in MESSAGE_FIELDS if getattr(self, k) is not None})
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class NewsRow:
    url: str
    title: str | None = None
    body: str | None = None
    published_at: str | None = None  # ISO-8601 with offset
    outlet: str | None = None
    keyword: str | None = None
    fingerprint: str | None = None
    page: int | None = None
    list_url: str | None = None
    changed: bool = True
    detail: bool = False
    kind: Literal["news"] = "news"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConsultationRow:
    """One draft open (or once open) for comment (docs/consultations.md): its window, and once the portal
    shows it the feedback link (a link appearing = the 采纳情况 published) and its time. A new
    row without its window's dates is not registered (ingest names it in the crawl's notes and
    the next pass reads its detail page again), so it needs no pending state."""

    external_id: str
    url: str | None = None
    title: str | None = None
    department: str | None = None
    body: str | None = None
    opens_at: str | None = None  # ISO-8601 with offset
    closes_at: str | None = None  # ISO-8601 with offset
    feedback_url: str | None = None
    feedback_at: str | None = None  # ISO-8601 with offset
    fingerprint: str | None = None
    page: int | None = None
    keyword: str | None = None
    list_url: str | None = None
    changed: bool = True
    detail: bool = False
    kind: Literal["consultation"] = "consultation"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckRow:
    check: str  # the external_id whose page was checked
    gone: bool  # 404/410 or the portal's not-found page
    status: int
    kind: Literal["check"] = "check"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Row = MessageRow | NewsRow | ConsultationRow | CheckRow
_CRAWL_KEYS = {f.name for f in fields(MessageRow)} - set(MESSAGE_FIELDS)
_KINDS: dict[str, type[MessageRow] | type[NewsRow] | type[ConsultationRow] | type[CheckRow]] = {
    "message": MessageRow,
    "news": NewsRow,
    "consultation": ConsultationRow,
    "check": CheckRow,
}


def parse_row(data: dict[str, Any]) -> Row:
    """A JSON line back into its row (RowError when it is none). Keys this version does not
    know are kept in a message's `extra` (a newer child) or ignored."""
    kind = data.get("kind") or ("check" if "check" in data else "message")
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise RowError(f"未知的行类型 {kind!r}")
    names = {f.name for f in fields(cls)}
    known = {k: v for k, v in data.items() if k in names}
    if cls is MessageRow:
        extra = dict(known.get("extra") or {})
        extra.update({k: str(v) for k, v in data.items() if k not in names and v is not None})
        known["extra"] = extra
        if not str(known.get("external_id") or "").strip():
            raise RowError("行缺少 external_id")
        known["external_id"] = str(known["external_id"]).strip()
    elif cls is NewsRow and not known.get("url"):
        raise RowError("新闻行缺少 url")
    elif cls is ConsultationRow and not str(known.get("external_id") or "").strip():
        raise RowError("意见征集行缺少 external_id")
    try:
        return cls(**known)
    except TypeError as exc:
        raise RowError(f"行的字段不符：{exc}") from None
