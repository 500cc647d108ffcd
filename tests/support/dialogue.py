"""A person in a chat with the bot, one input at a time, checking G4 after every input."""

from __future__ import annotations

import re

from tests.support.sandbox_client import Chat, EmulatorClient

SENDER = "John Smith, 215 Clayton St Apt 4, San Francisco, CA 94117, 415-555-0100"
RECIPIENT = "Jane Doe\n350 5th Ave Suite 200\nNew York, NY 10118"
PRICE = re.compile(r"^\$(\d+)\.(\d\d)")


def button_texts(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


class LiveKeyboard:
    """What both kinds of dialogue read of a chat: its live prompt, and G4 after each input."""

    def __init__(self, emulator, chat) -> None:
        self.emulator = emulator
        self.chat = chat
        self.messages_sent = 0
        self.buttons_pressed = 0

    def prompt(self) -> dict:
        return self.chat.live_keyboards()[-1]

    def buttons(self) -> list[str]:
        return button_texts(self.prompt())

    def _check_one_live_keyboard(self) -> None:
        assert len(self.chat.live_keyboards()) <= 1, self.chat.live_keyboards()


class Dialogue(LiveKeyboard):
    """Over a real emulator process: each input waits until the emulator is idle."""

    emulator: EmulatorClient
    chat: Chat

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



def reach_review_by_pasting(talk: Dialogue) -> dict:
    talk.say("/new")
    talk.say(SENDER)
    talk.press("✅ Correct")
    talk.say(RECIPIENT)
    talk.press("✅ Correct")
    talk.say("2.5 lb")
    return talk.press("Medium box 12 × 10 × 8 in")


def rate_buttons(message: dict) -> list[str]:
    rows = message["reply_markup"]["inline_keyboard"]
    return [b["text"] for row in rows for b in row if b["callback_data"].startswith("rate:")]


def cents(button: str) -> int:
    """The price at the start of a rate button, in cents."""
    dollars, rest = PRICE.search(button).groups()
    return int(dollars) * 100 + int(rest)


def pay_button(message: dict) -> str:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return next(b["text"] for row in keyboard for b in row if b["text"].startswith("💳 Pay"))


def pay_url(invoice: dict) -> str:
    """The sandbox payment page an invoice's button opens."""
    return next(
        button["url"]
        for row in invoice["reply_markup"]["inline_keyboard"]
        for button in row
        if button.get("url")
    )
