"""A change counter that wakes every waiter, for long polls, tests and the live page."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeFeed:
    def __init__(self) -> None:
        self.version = 0
        self._event = asyncio.Event()

    def bump(self) -> int:
        """Record a change; synchronous so that state mutations never await mid-way."""
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()
        return self.version

    async def wait_until(self, predicate: Callable[[], T], timeout: float) -> T:
        """Re-evaluate `predicate` after every change until it is truthy.

        Raises TimeoutError when `timeout` seconds pass first.
        """
        async with asyncio.timeout(timeout):
            while True:
                # Take the event before evaluating, so a change in between is not missed.
                event = self._event
                result = predicate()
                if result:
                    return result
                await event.wait()
