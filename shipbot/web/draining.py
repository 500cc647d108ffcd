"""Graceful shutdown: on SIGTERM the server first drains, then stops as uvicorn does.

Draining, it keeps listening but answers new webhook calls 503, so Telegram redelivers them
(to another replica, or to this one after the restart), and `/readyz` says so, so a load
balancer stops sending; the updates in flight finish and commit. Once none is left, or the
deadline has passed, uvicorn closes the connections and runs the lifespan's shutdown, which
gives the purchase jobs their own deadline. A second signal skips the wait.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

log = logging.getLogger(__name__)


class Drain:
    def __init__(self) -> None:
        self.draining = False
        self.in_flight = 0

    @contextmanager
    def update(self) -> Iterator[None]:
        """Count an update as in flight while it is processed."""
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    def begin(self) -> None:
        self.draining = True
        log.info("draining: new updates are refused, %d in flight finish first", self.in_flight)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, drain: Drain, deadline_seconds: float) -> None:
        super().__init__(config)
        self.drain = drain
        self.deadline_seconds = deadline_seconds
        self.drain_ends_at: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and self.drain_ends_at is None:
            self.drain_ends_at = time.monotonic() + self.deadline_seconds
            self.drain.begin()
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.drain_ends_at is not None and not self.should_exit:
            if self.drain.in_flight == 0:
                self.should_exit = True
            elif time.monotonic() >= self.drain_ends_at:
                log.warning("drain deadline passed with %d updates in flight", self.drain.in_flight)
                self.should_exit = True
        return await super().on_tick(counter)
