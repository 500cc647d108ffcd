"""A person in a chat with the bot, one input at a time, checking G4 after every input."""

from __future__ import annotations

from tests.support.sandbox_client import Chat, EmulatorClient

SENDER = "John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, 415-555-0100"
RECIPIENT = "Jane Doe\n350 5th Ave Suite 200\nNew York, NY 10118"


class Dialogue:
    def __init__(self, emulator: EmulatorClient, chat: Chat) -> None:
        self.emulator = emulator
        self.chat = chat
        self.messages_sent = 0
        self.buttons_pressed = 0

    def say(self, text: str) -> dict:
        """Send a message: exactly one new bot message answers it."""
        before = len(self.chat.bot_messages())
        self.chat.send(text)
        self.emulator.wait_idle()
        replies = self.chat.bot_messages()
        assert len(replies) == before + 1, (text, replies[before:])
        self._check_one_live_keyboard()
        self.messages_sent += 1
        return replies[-1]

    def press(self, button: str) -> dict:
        """Press a button of the live prompt: it is edited in place or one message follows."""
        before = len(self.chat.bot_messages())
        self.chat.press(button)
        self.emulator.wait_idle()
        replies = self.chat.bot_messages()
        assert len(replies) in (before, before + 1), (button, replies[before:])
        self._check_one_live_keyboard()
        self.buttons_pressed += 1
        return replies[-1]

    def prompt(self) -> dict:
        return self.chat.live_keyboards()[-1]

    def buttons(self) -> list[str]:
        markup = self.prompt().get("reply_markup") or {}
        return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]

    def _check_one_live_keyboard(self) -> None:
        assert len(self.chat.live_keyboards()) <= 1, self.chat.live_keyboards()
