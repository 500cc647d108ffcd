"""`shipbot` with the test hooks, for the tests that need real processes:

    python -m tests.support.hooked_shipbot serve --host 127.0.0.1 --port 8081

The real command line (serve, poll, …) with the diagnostics router (tests/support/diagnostics.py)
ahead of the bot's flows. Read here only, from the environment:

- TEST_SLOW_SECONDS, TEST_GATE_FILE: how long /slow waits, and the file that ends the wait;
- TEST_KILL_AFTER_LABEL=1: the process SIGKILLs itself as soon as the carrier has sold a label,
  before the purchase is settled — the crash that reconciliation must repair.
"""

from __future__ import annotations

import os
import signal
from functools import wraps
from typing import Any

from shipbot.bot import assembly
from shipbot.providers.carriers.base import CarrierProvider
from tests.support import diagnostics


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class DiesAfterSelling:
    """The carrier, except that the process dies right after a label was bought from it."""

    def __init__(self, carrier: CarrierProvider) -> None:
        self._carrier = carrier

    async def buy_label(self, *args: Any, **kwargs: Any) -> Any:
        label = await self._carrier.buy_label(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # no clean-up, no flush, exactly like a crash
        return label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._carrier, name)


def install_hooks() -> None:
    slow_seconds = float(os.environ.get("TEST_SLOW_SECONDS", "30"))
    gate_file = os.environ.get("TEST_GATE_FILE") or None
    build_dispatcher = assembly.build_dispatcher

    @wraps(build_dispatcher)
    def with_diagnostics(*args: Any, **kwargs: Any):
        # A router of its own for each dispatcher: a router joins one dispatcher only.
        hooks = diagnostics.build_router(slow_seconds, gate_file)
        return build_dispatcher(*args, **kwargs, first_routers=[hooks])

    assembly.build_dispatcher = with_diagnostics
    if _flag("TEST_KILL_AFTER_LABEL"):
        build_carrier = assembly.build_carrier
        assembly.build_carrier = lambda settings: DiesAfterSelling(build_carrier(settings))


def main() -> None:
    install_hooks()
    from shipbot.cli import app

    app(prog_name="shipbot")


if __name__ == "__main__":
    main()
