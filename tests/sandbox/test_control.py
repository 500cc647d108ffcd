"""The control API, the chat page's files and the standalone server process."""

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from shipbot.sandbox.params import Params, Upload
from tests.sandbox.support import TOKEN, WAIT, Receiver, Sandbox, bot_says, set_webhook

BUTTON = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{sandbox.url}/sandbox/api", timeout=WAIT + 10
    ) as client:
        yield client


async def test_users_talk_and_press_buttons(client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    created = await client.post("/users", json={"first_name": "Аня", "language_code": "ru"})
    user = created.json()
    assert (user["first_name"], user["language_code"], user["is_bot"]) == ("Аня", "ru", False)
    assert (await client.get("/users")).json() == [user]

    sent = (await client.post(f"/chats/{user['id']}/send", json={"text": "/start"})).json()
    assert sent["message_id"] == 1
    prompt = await bot_says(sandbox.emulator, user["id"], "Menu", reply_markup=BUTTON)
    pressed = await client.post(
        f"/chats/{user['id']}/press",
        json={"message_id": prompt["message_id"], "callback_data": "go"},
    )
    assert pressed.json()["update_id"] == sent["update_id"] + 1

    messages = (await client.get(f"/chats/{user['id']}/messages")).json()
    assert [(m["direction"], m["text"]) for m in messages] == [("user", "/start"), ("bot", "Menu")]
    assert messages[1]["reply_markup"] == BUTTON
    assert [u["update_id"] for u in await sandbox.emulator.call("getUpdates", Params({}))] == [
        sent["update_id"],
        pressed.json()["update_id"],
    ]


async def test_mistakes_are_404_and_422(client: httpx.AsyncClient) -> None:
    user = (await client.post("/users", json={"first_name": "Ann"})).json()
    assert (await client.post("/chats/1/send", json={"text": "hi"})).status_code == 404
    assert (await client.get("/chats/1/messages")).status_code == 404
    assert (await client.get("/chats/1/events", params={"timeout": 0})).status_code == 404
    own_message = (await client.post(f"/chats/{user['id']}/send", json={"text": "hi"})).json()[
        "message_id"
    ]
    not_a_bot_message = {"message_id": own_message, "callback_data": "go"}
    assert (
        await client.post(f"/chats/{user['id']}/press", json=not_a_bot_message)
    ).status_code == 404
    assert (await client.post(f"/chats/{user['id']}/send", json={"text": ""})).status_code == 422
    assert (await client.post("/users", json={"first_name": ""})).status_code == 422


async def test_events_long_poll_returns_on_change(client: httpx.AsyncClient) -> None:
    user = (await client.post("/users", json={"first_name": "Ann"})).json()
    first = (await client.get(f"/chats/{user['id']}/events", params={"after": 0})).json()
    assert first["messages"] == [] and first["user"] == user

    waiting = asyncio.create_task(
        client.get(
            f"/chats/{user['id']}/events", params={"after": first["version"], "timeout": WAIT}
        )
    )
    await client.post(f"/chats/{user['id']}/send", json={"text": "hello"})
    changed = (await waiting).json()
    assert changed["version"] > first["version"]
    assert [m["text"] for m in changed["messages"]] == ["hello"]

    unchanged = await client.get(
        f"/chats/{user['id']}/events", params={"after": changed["version"], "timeout": 0}
    )
    assert unchanged.json()["version"] == changed["version"]


async def test_idle_reset_and_settings(client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    user = (await client.post("/users", json={"first_name": "Ann"})).json()
    await client.post(f"/chats/{user['id']}/send", json={"text": "held"})
    not_idle = await client.post("/idle", json={"timeout": 0.05})  # no webhook: it cannot drain
    assert (not_idle.status_code, not_idle.json()["pending_update_count"]) == (408, 1)

    settings = {
        "api_delay_ms": 5,
        "delivery_timeout_s": 3,
        "retry_backoff_s": 0.1,
        "held_answers": ["answercallbackquery"],
        "html_error_methods": ["sendmessage"],
        "global_per_second": 30,
        "chat_per_second": 1,
    }
    expected = {**settings, "rate_limited": 0, "early_sends": 0}
    assert (await client.post("/settings", json=settings)).json() == expected
    assert (await client.get("/settings")).json() == expected

    await set_webhook(sandbox.emulator, "http://127.0.0.1:9/webhook", secret_token="secret")
    assert (await client.post("/reset")).status_code == 200
    assert (await client.post("/idle")).json() == {"idle": True}
    assert (await client.get("/users")).json() == []
    assert (await client.get("/calls")).json() == []
    webhook = (await client.get("/webhook")).json()
    assert (webhook["url"], webhook["has_secret_token"]) == ("http://127.0.0.1:9/webhook", True)


async def test_injected_updates_reach_the_webhook_and_are_logged(
    client: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    await set_webhook(sandbox.emulator, "http://127.0.0.1:9/unused")
    targets = await client.post("/webhook/targets", json={"urls": [receiver.url]})
    assert targets.json() == {"targets": [receiver.url]}
    assert (await client.get("/webhook")).json()["targets"] == [receiver.url]

    update = {
        "update_id": 99,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}},
    }
    assert (await client.post("/updates", json={"update": update, "copies": 2})).json() == {
        "queued": 2
    }
    assert (await client.post("/idle", json={"timeout": WAIT})).status_code == 200
    assert receiver.update_ids() == [99, 99]
    deliveries = (await client.get("/deliveries")).json()
    assert [(d["update_id"], d["chat_id"], d["status"]) for d in deliveries] == [
        (99, 7, 200),
        (99, 7, 200),
    ]
    assert [
        c["method"] for c in (await client.get("/calls", params={"method": "setwebhook"})).json()
    ] == ["setWebhook"]


async def test_documents_download_with_their_name(
    client: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    user = (await client.post("/users", json={"first_name": "Ann"})).json()
    upload = Upload("9400 1000.pdf", "application/octet-stream", b"%PDF-1.4")
    sent = await sandbox.emulator.call(
        "sendDocument",
        Params({"chat_id": user["id"], "document": "attach://label"}, {"label": upload}),
    )
    [message] = (await client.get(f"/chats/{user['id']}/messages")).json()
    assert message["document"]["url"] == f"/sandbox/api/files/{sent['document']['file_id']}"

    response = await client.get(f"/files/{sent['document']['file_id']}")
    assert response.content == b"%PDF-1.4"
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"9400 1000.pdf\"; filename*=UTF-8''9400%201000.pdf"
    )
    assert (await client.get("/files/nope")).status_code == 404


async def test_chat_page_and_its_assets_are_served(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        page = await client.get("/sandbox")
        script = await client.get("/sandbox/static/chat.js")
        style = await client.get("/sandbox/static/chat.css")
    assert page.status_code == script.status_code == style.status_code == 200
    for selector in (
        "user-select",
        "new-user-name",
        "new-user-lang",
        "create-user",
        "message-input",
        "send",
    ):
        assert f'id="{selector}"' in page.text
    assert "inline-button" in script.text and "document-link" in script.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_standalone_server_runs_as_its_own_process() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipbot.sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--token",
            TOKEN,
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            async with asyncio.timeout(WAIT):
                while True:
                    try:
                        response = await client.get(f"/sandbox/botapi/bot{TOKEN}/getMe")
                        break
                    except httpx.ConnectError:
                        assert process.poll() is None, process.stderr.read().decode()
                        await asyncio.sleep(0.1)
        assert response.json()["result"]["username"] == "shipbot_sandbox_bot"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=WAIT)
    assert "chat page at" in stderr.decode()
