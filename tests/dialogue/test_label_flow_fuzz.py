"""G4/G7 at every step of the label flow: any text gets exactly one reply and no exception;
a rejected text leaves the conversation exactly as it was."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.dialogue.steps import RECIPIENT, SENDER
from tests.support.inprocess import Dialogue, on_loop, run_property

TEXTS = st.one_of(
    st.text(max_size=4096).filter(lambda text: text.strip()),
    st.sampled_from(
        [
            "<b>bold</b> <script>alert(1)</script>",
            "שלום עולם مرحبا",
            "🙂" * 2000,
            "x" * 4096,
            "12x10x8x4",
            "0",
            "-5 lb",
            "999999999999999999999 oz",
            "1e400",
            "NaN",
            "Infinity kg",
            "\u200f\u202e 215 Clayton St",
            "John, Smith, , , 00000",
        ]
    ),
)

# Each step is reached by these inputs from /new; the step's prompt mentions the fragment.
STEPS = {
    "address": ([], "Paste the whole sender address"),
    "street1": (["John Smith"], "street address"),
    "street2": (["John Smith", "215 Clayton St"], "apartment, suite"),
    "zip": (["John Smith", "215 Clayton St", "⏭ Skip"], "ZIP code"),
    "city": (["John Smith", "215 Clayton St", "⏭ Skip", "94117"], "is in"),
    "phone": (["John Smith", "215 Clayton St", "⏭ Skip", "94117", "San Francisco, CA"], "phone"),
    "check": ([SENDER], "is everything correct"),
    "weight": ([SENDER, "✅ Correct", RECIPIENT, "✅ Correct"], "weigh"),
    "dimensions": ([SENDER, "✅ Correct", RECIPIENT, "✅ Correct", "2"], "size"),
    "review": (
        [SENDER, "✅ Correct", RECIPIENT, "✅ Correct", "2", "Medium box 12 × 10 × 8 in"],
        "Review",
    ),
}
# The live prompt is not restored: each reply retires the previous keyboard as usual.
CONVERSATION_TABLES = ("fsm_states", "saved_addresses")


def snapshot(path: Path) -> dict[str, list[tuple]]:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection:
        return {
            table: connection.execute(f"SELECT * FROM {table}").fetchall()
            for table in CONVERSATION_TABLES
        }


def restore(path: Path, saved: dict[str, list[tuple]]) -> None:
    """Put the conversation back after an accepted text, so the next example meets the step."""
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection, connection:
        for table, rows in saved.items():
            connection.execute(f"DELETE FROM {table}")
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def is_rejection(text: str) -> bool:
    return text.startswith("⚠️") or "Please answer with the buttons" in text


async def fuzz_step(talk: Dialogue, path: Path, step: str, outcomes: dict[str, int]) -> None:
    at_step = await asyncio.to_thread(snapshot, path)
    run = on_loop(asyncio.get_running_loop())

    # Hypothesis runs in a thread (run_property): the database is read and written there, the
    # chat on the loop that serves the app.
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=TEXTS)
    def one_reply(text: str) -> None:
        reply = run(talk.say(text))
        if is_rejection(reply["text"]):
            outcomes["rejected"] += 1
            assert snapshot(path) == at_step, (step, text)
        else:
            outcomes["accepted"] += 1
        restore(path, at_step)

    await run_property(one_reply)


async def test_any_text_at_any_step_gets_one_reply(emulator, bot, db):
    talk = Dialogue(emulator, emulator.create_user("Fuzz"))
    outcomes = {"rejected": 0, "accepted": 0}

    for step, (inputs, fragment) in STEPS.items():
        await talk.say("/cancel")
        if "🗑 Yes, discard" in talk.buttons():  # a draft with data is discarded on confirmation
            await talk.press("🗑 Yes, discard")
        await talk.say("/new")
        for entry in inputs:
            if entry in talk.buttons():
                await talk.press(entry)
            else:
                await talk.say(entry)
        assert fragment in talk.prompt()["text"], step
        await fuzz_step(talk, db.path, step, outcomes)

    assert "Traceback" not in bot.log()
    assert all(delivery["status"] == 200 for delivery in emulator.deliveries())
    assert outcomes["rejected"] > 0
