"""G4/G7 as a property: any text, however long or strange, gets exactly one reply."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.inprocess import on_loop, run_property

STRANGE = st.one_of(
    st.text(min_size=1, max_size=4096).filter(lambda text: text.strip()),
    st.sampled_from(
        [
            "<b>bold</b> <script>alert(1)</script>",
            "שלום עולם مرحبا",
            "🙂" * 2000,
            "x" * 4096,
            "/start@shipbot_sandbox_bot extra words",
            "/unknown_command",
            "&amp; &lt; < > \\" * 100,
            "\u200f\u202e reversed",
        ]
    ),
)


async def test_every_text_gets_exactly_one_reply_and_one_live_keyboard(emulator, bot):
    chat = emulator.create_user("Fuzz")
    run = on_loop(asyncio.get_running_loop())

    async def check(text: str) -> None:
        before = len(chat.bot_messages())
        chat.send(text)
        await emulator.wait_idle()
        assert len(chat.bot_messages()) == before + 1
        assert len(chat.live_keyboards()) == 1

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=STRANGE)
    def one_reply(text: str) -> None:
        run(check(text))

    await run_property(one_reply)
    assert "Traceback" not in bot.log()
    assert all(d["status"] == 200 for d in emulator.deliveries())
