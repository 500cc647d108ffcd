"""Drives the Bot API emulator's control API the way a person in a chat would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN = "123456789:TESTtestTESTtestTESTtestTESTtestTES"
SECRET = "integration-secret-0123456789abcdef"
ADMIN_TOKEN = "admin-token-0123456789-abcdefghij"


class EmulatorClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        # No keep-alive: a request sent on a connection the server is just closing as idle
        # fails with "connection reset" (seen once in CI); a loopback connect costs nothing.
        self.http = httpx.Client(
            base_url=base_url + "/sandbox/api",
            timeout=60,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    @property
    def botapi_url(self) -> str:
        return self.base_url + "/sandbox/botapi"

    def _json(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def create_user(self, first_name: str = "Ann", language_code: str = "en") -> Chat:
        user = self._json(
            self.http.post(
                "/users", json={"first_name": first_name, "language_code": language_code}
            )
        )
        return Chat(self, user["id"], user)

    def webhook(self) -> dict:
        return self._json(self.http.get("/webhook"))

    def wait_for_webhook(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.webhook().get("url") != url:
            if time.monotonic() > deadline:
                raise TimeoutError(f"webhook never set to {url}: {self.webhook()}")
            time.sleep(0.1)

    def set_targets(self, urls: list[str]) -> None:
        self._json(self.http.post("/webhook/targets", json={"urls": urls}))

    def settings(self, **values: Any) -> None:
        self._json(self.http.post("/settings", json=values))

    def inject(self, update: dict, copies: int = 1, concurrent: bool = False) -> None:
        self._json(
            self.http.post(
                "/updates", json={"update": update, "copies": copies, "concurrent": concurrent}
            )
        )

    def wait_idle(self, timeout: float = 60) -> None:
        response = self.http.post("/idle", json={"timeout": timeout})
        if response.status_code != 200:
            raise TimeoutError(f"emulator not idle after {timeout}s: {response.text}")

    def calls(self, method: str | None = None) -> list[dict]:
        return self._json(self.http.get("/calls", params={"method": method} if method else None))

    def deliveries(self) -> list[dict]:
        return self._json(self.http.get("/deliveries"))


@dataclass
class Chat:
    emulator: EmulatorClient
    user_id: int
    user: dict

    def send(self, text: str) -> int:
        sent = self.emulator._json(
            self.emulator.http.post(f"/chats/{self.user_id}/send", json={"text": text})
        )
        return sent["update_id"]

    def messages(self) -> list[dict]:
        return self.emulator._json(self.emulator.http.get(f"/chats/{self.user_id}/messages"))

    def bot_messages(self) -> list[dict]:
        return [m for m in self.messages() if m["direction"] == "bot" and not m.get("deleted")]

    def last_bot_message(self) -> dict:
        return self.bot_messages()[-1]

    def wait_for_text(self, fragment: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in reversed(self.bot_messages()):
                if fragment in (message.get("text") or ""):
                    return message
            if time.monotonic() > deadline:
                raise TimeoutError(f"no bot message with {fragment!r}: {self.bot_messages()}")
            time.sleep(0.05)

    def press(self, button_text: str, message: dict | None = None) -> int:
        message = message or self.last_bot_message()
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == button_text:
                    pressed = self.emulator._json(
                        self.emulator.http.post(
                            f"/chats/{self.user_id}/press",
                            json={
                                "message_id": message["message_id"],
                                "callback_data": button["callback_data"],
                            },
                        )
                    )
                    return pressed["update_id"]
        raise AssertionError(f"no button {button_text!r} on {message}")

    def callback_answers(self) -> list[dict]:
        return self.emulator._json(
            self.emulator.http.get(f"/chats/{self.user_id}/callback-answers")
        )

    def live_keyboards(self) -> list[dict]:
        return [
            m for m in self.bot_messages() if (m.get("reply_markup") or {}).get("inline_keyboard")
        ]

    def text_message_update(self, update_id: int, text: str) -> dict:
        """A raw update as Telegram would send it, for injecting redeliveries."""
        return {
            "update_id": update_id,
            "message": {
                "message_id": 10_000 + update_id,
                "date": int(time.time()),
                "chat": {
                    "id": self.user_id,
                    "type": "private",
                    "first_name": self.user["first_name"],
                },
                "from": {
                    "id": self.user_id,
                    "is_bot": False,
                    "first_name": self.user["first_name"],
                    "language_code": self.user.get("language_code", "en"),
                },
                "text": text,
                **(
                    {
                        "entities": [
                            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
                        ]
                    }
                    if text.startswith("/")
                    else {}
                ),
            },
        }
