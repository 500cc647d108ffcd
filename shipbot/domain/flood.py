"""Flood control's rule: of one chat's updates, at most `limit` in `window` are handled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FloodPolicy:
    limit: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        return now - self.window

    def is_flooding(self, recent_updates: int) -> bool:
        """`recent_updates`: the chat's updates already processed in the window, handled or
        dropped alike, so a burst stays dropped until the user slows down."""
        return recent_updates >= self.limit
