"""The one-time notes a page shows after a form (已保存 / 未保存：…), kept in the web
process instead of the session cookie.

Flask's flash() writes the text into the signed cookie, and a note quotes what a person
typed: a 450 KB watch term in an error became a 505 KB Set-Cookie header (which proxies and
browsers refuse). Here the cookie holds only a random key; the notes wait in a bounded
table for the next page: at most MAX_WAITING sessions, each note cut to MAX_CHARS, at most
MAX_NOTES per session, gone after MAX_AGE or once shown. Kept in the web process like the
login throttle (one process serves the dashboard); a restart loses notes nobody saw yet."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

from flask import session

MAX_WAITING = 1000  # sessions with notes not yet shown
MAX_NOTES = 5  # per session: a page shows the latest few
MAX_CHARS = 500  # per note
MAX_AGE = 600.0  # seconds a note waits for its page
SESSION_KEY = "notes"


class NoteStore:
    def __init__(
        self,
        max_waiting: int = MAX_WAITING,
        max_notes: int = MAX_NOTES,
        max_chars: int = MAX_CHARS,
        max_age: float = MAX_AGE,
    ) -> None:
        self.max_waiting, self.max_notes = max_waiting, max_notes
        self.max_chars, self.max_age = max_chars, max_age
        self._lock = threading.Lock()
        # key → (when the latest note came, [(category, text)]); oldest first
        self._notes: OrderedDict[str, tuple[float, list[tuple[str, str]]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._notes)

    def push(self, key: str, category: str, text: str) -> None:
        text = text if len(text) <= self.max_chars else text[: self.max_chars - 1] + "…"
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            _, notes = self._notes.pop(key, (now, []))
            notes = (notes + [(category, text)])[-self.max_notes :]
            self._notes[key] = (now, notes)
            while len(self._notes) > self.max_waiting:
                self._notes.popitem(last=False)

    def pop(self, key: str) -> list[tuple[str, str]]:
        with self._lock:
            self._expire(time.monotonic())
            _, notes = self._notes.pop(key, (0.0, []))
            return notes

    def _expire(self, now: float) -> None:
        while self._notes:
            first = next(iter(self._notes.values()))
            if now - first[0] <= self.max_age:
                break
            self._notes.popitem(last=False)


def note(store: NoteStore, category: str, text: str) -> None:
    """Queue `text` for this session's next page; the cookie gets only the key."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        key = session[SESSION_KEY] = secrets.token_urlsafe(16)
    store.push(key, category, text)


def take(store: NoteStore) -> list[tuple[str, str]]:
    """This session's waiting notes (category, text), once."""
    key = session.get(SESSION_KEY)
    return store.pop(key) if isinstance(key, str) else []
