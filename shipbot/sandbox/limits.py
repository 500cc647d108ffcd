"""Telegram's flood limits on sending: about 30 messages a second per bot and about one a
second per chat, answered with 429 and `retry_after`. Off unless configured, so that the
conversation tests (many replies a second to one chat) run as before.

The emulator also counts sends that arrive while a 429's `retry_after` has not yet passed:
Telegram punishes those with longer waits, and the broadcast tests assert there are none.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

# The methods that post a message into a chat, which Telegram's limits count.
SENDING_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"}
)
WINDOW_S = 1.0


@dataclass
class FloodLimits:
    """Per-second limits (None: unlimited), and what they caused so far."""

    global_per_second: int | None = None
    chat_per_second: int | None = None
    rate_limited: int = 0  # 429s answered
    early_sends: int = 0  # sends that came before an announced retry_after had passed
    _global: deque[float] = field(default_factory=deque)
    _chats: dict[int, deque[float]] = field(default_factory=dict)
    _global_until: float = 0.0
    _chat_until: dict[int, float] = field(default_factory=dict)

    def check(self, chat_id: int, now: float | None = None) -> int | None:
        """Count a send to `chat_id`; the seconds to wait when it is over a limit, else None."""
        now = time.monotonic() if now is None else now
        if now < self._global_until or now < self._chat_until.get(chat_id, 0.0):
            self.early_sends += 1
        wait = self._over(self._global, self.global_per_second, now)
        if wait is not None:
            self._global_until = max(self._global_until, now + wait)
            return self._refuse(wait)
        chat = self._chats.setdefault(chat_id, deque())
        wait = self._over(chat, self.chat_per_second, now)
        if wait is not None:
            self._chat_until[chat_id] = max(self._chat_until.get(chat_id, 0.0), now + wait)
            return self._refuse(wait)
        self._global.append(now)
        chat.append(now)
        return None

    def _refuse(self, wait: float) -> int:
        self.rate_limited += 1
        return wait

    @staticmethod
    def _over(sent: deque[float], limit: int | None, now: float) -> int | None:
        """Whole seconds (as Telegram announces them) until the window has room, or None."""
        while sent and sent[0] <= now - WINDOW_S:
            sent.popleft()
        if limit is None or len(sent) < limit:
            return None
        return max(1, math.ceil(sent[0] + WINDOW_S - now))

    def settings(self) -> dict:
        return {
            "global_per_second": self.global_per_second,
            "chat_per_second": self.chat_per_second,
            "rate_limited": self.rate_limited,
            "early_sends": self.early_sends,
        }

    def reset_counts(self) -> None:
        self.rate_limited = 0
        self.early_sends = 0
        self._global.clear()
        self._chats.clear()
        self._global_until = 0.0
        self._chat_until.clear()
