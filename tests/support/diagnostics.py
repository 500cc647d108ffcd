"""Test hooks for the reliability tests: a router the test entry point
(`python -m tests.support.hooked_shipbot`) puts ahead of the bot's flows; never in shipbot/.

They make observable what the guarantees promise: FSM data that must survive a crash
(/remember, /recall), a counter whose every step must take effect once (/count), a handler
slow enough to be killed mid-flight (/slow) and one that fails after writing (/boom).

/slow waits until the gate file exists (TEST_GATE_FILE) or TEST_SLOW_SECONDS pass, so a test
decides when it finishes instead of racing a timer.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from shipbot.bot.runtime.prompts import show_prompt


class Diagnostics(StatesGroup):
    remembering = State()
    failing = State()


async def _wait_for_gate(gate: Path | None, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (gate and gate.exists()):
        await asyncio.sleep(0.05)


def build_router(slow_seconds: float, gate_file: str | None) -> Router:
    gate = Path(gate_file) if gate_file else None
    router = Router(name="diagnostics")

    @router.message(Command("remember"))
    async def remember(message: Message, command: CommandObject, state: FSMContext) -> None:
        await state.set_state(Diagnostics.remembering)
        await state.update_data(memo=command.args or "")
        await show_prompt(message, f"Remembered: {command.args or ''}")

    @router.message(Command("recall"))
    async def recall(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await show_prompt(
            message,
            f"state={await state.get_state()} memo={data.get('memo')} "
            f"count={data.get('count', 0)} slow_runs={data.get('slow_runs', 0)}",
        )

    @router.message(Command("count"))
    async def count(message: Message, state: FSMContext) -> None:
        data = await state.update_data(count=(await state.get_data()).get("count", 0) + 1)
        await show_prompt(message, f"Count: {data['count']}")

    @router.message(Command("slow"))
    async def slow(message: Message, state: FSMContext) -> None:
        data = await state.update_data(slow_runs=(await state.get_data()).get("slow_runs", 0) + 1)
        await message.answer("Working…")
        await _wait_for_gate(gate, slow_seconds)
        await show_prompt(message, f"Slow step done (run {data['slow_runs']})")

    @router.message(Command("boom"))
    async def boom(message: Message, state: FSMContext) -> None:
        await state.set_state(Diagnostics.failing)
        await state.update_data(memo="written by a failing handler")
        raise RuntimeError("deliberate failure for tests")

    return router
