"""Ending an in-process app within its own test."""

from __future__ import annotations

import asyncio


async def settle() -> None:
    """A test shorter than the background jobs' first round stops them mid-query; let what
    their cancellation left behind (pooled connections closing) finish inside this test, not
    in the next one's loop."""
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    if leftovers:
        await asyncio.wait(leftovers, timeout=5)
