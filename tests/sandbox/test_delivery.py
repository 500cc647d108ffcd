"""Webhook delivery over real HTTP with Telegram's semantics.

Tests that need concurrency make the receiver wait for an event that only concurrency can
produce, so they never depend on how fast anything runs.
"""

import asyncio

import pytest
from aiogram.types import Update
from fastapi.responses import JSONResponse

from shipbot.sandbox.emulator import BotApiEmulator
from shipbot.sandbox.errors import BotApiError
from shipbot.sandbox.params import Params
from tests.sandbox.support import WAIT, Receiver, bot_says, set_webhook


def raw_message_update(update_id: int, chat_id: int, text: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Raw"}
    chat = {"id": chat_id, "type": "private", "first_name": "Raw"}
    message = {"message_id": 1, "from": user, "chat": chat, "date": 1_700_000_000, "text": text}
    return {"update_id": update_id, "message": message}


async def test_update_is_posted_as_json_with_the_secret_header(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, receiver.url, secret_token="s3cret-Token_1")
    user = emulator.create_user("Ann", username="ann_test")
    update_id = emulator.send_text(user["id"], "/start")
    await emulator.wait_idle(WAIT)

    [request] = receiver.requests
    assert request["secret"] == "s3cret-Token_1"
    update = Update.model_validate(request["update"])
    assert update.update_id == update_id
    assert update.message.text == "/start"
    assert update.message.from_user.id == user["id"] == update.message.chat.id
    assert update.message.chat.type == "private"
    assert update.message.entities[0].type == "bot_command"
    [delivery] = emulator.deliveries()
    assert delivery["update_id"] == update_id
    assert delivery["chat_id"] == user["id"]
    assert delivery["url"] == receiver.url
    assert (delivery["status"], delivery["error"], delivery["attempt"]) == (200, None, 1)
    assert delivery["latency_ms"] >= 0


async def test_no_secret_header_without_a_secret_token(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, receiver.url)
    emulator.send_text(emulator.create_user("Ann")["id"], "hi")
    await emulator.wait_idle(WAIT)
    assert [r["secret"] for r in receiver.requests] == [None]


async def test_one_chat_gets_its_updates_in_order_one_at_a_time(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    async def slow(update: dict) -> int:
        await asyncio.sleep(0.01)  # leaves room for an overlap, were the emulator to allow one
        return 200

    receiver.behaviour = slow
    await set_webhook(emulator, receiver.url)
    user = emulator.create_user("Ann")
    texts = [f"message {n}" for n in range(8)]
    update_ids = [emulator.send_text(user["id"], text) for text in texts]
    await emulator.wait_idle(WAIT)

    assert receiver.texts() == texts
    assert receiver.update_ids() == update_ids == sorted(update_ids)
    assert receiver.max_in_flight_per_chat == 1


async def test_different_chats_are_delivered_concurrently(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    both_arrived = asyncio.Event()

    async def wait_for_the_other_chat(update: dict) -> int:
        if receiver.in_flight == 2:
            both_arrived.set()
        await asyncio.wait_for(both_arrived.wait(), WAIT)
        return 200

    receiver.behaviour = wait_for_the_other_chat
    await set_webhook(emulator, receiver.url)
    ann, bob = emulator.create_user("Ann"), emulator.create_user("Bob")
    first = emulator.send_text(ann["id"], "from Ann")
    second = emulator.send_text(bob["id"], "from Bob")
    await emulator.wait_idle(WAIT)

    assert both_arrived.is_set()
    assert second == first + 1  # update ids increase across chats
    assert sorted(receiver.texts()) == ["from Ann", "from Bob"]


async def test_failed_update_is_redelivered_unchanged_and_blocks_its_chat(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    failures_left = 2

    async def fail_twice(update: dict) -> int:
        nonlocal failures_left
        if update["message"]["text"] == "first" and failures_left:
            failures_left -= 1
            return 500
        return 200

    receiver.behaviour = fail_twice
    await set_webhook(emulator, receiver.url)
    user = emulator.create_user("Ann")
    first = emulator.send_text(user["id"], "first")
    second = emulator.send_text(user["id"], "second")
    await emulator.wait_idle(WAIT)

    assert receiver.update_ids() == [first, first, first, second]
    assert len({r["body"] for r in receiver.requests[:3]}) == 1  # byte-identical redeliveries
    assert [(d["status"], d["attempt"]) for d in emulator.deliveries()] == [
        (500, 1),
        (500, 2),
        (200, 3),
        (200, 1),
    ]
    info = emulator.webhook_info()
    assert (
        info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    )
    assert info["pending_update_count"] == 0


async def test_update_is_redelivered_after_a_timeout(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    attempts = 0

    async def never_answer_the_first(update: dict) -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            # Only this first request runs under the short timeout, however slow the machine.
            emulator.configure(delivery_timeout_s=WAIT)
            await receiver.released.wait()
        return 200

    receiver.behaviour = never_answer_the_first
    emulator.configure(delivery_timeout_s=0.3)
    await set_webhook(emulator, receiver.url)
    update_id = emulator.send_text(emulator.create_user("Ann")["id"], "hello")
    await emulator.wait_idle(WAIT)

    assert receiver.update_ids() == [update_id, update_id]
    timeout, success = emulator.deliveries()
    assert (timeout["status"], timeout["error"]) == (None, "Read timeout expired")
    assert (success["status"], success["attempt"]) == (200, 2)


async def test_unreachable_webhook_is_retried_until_it_is_moved(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, "http://127.0.0.1:9/webhook")  # the discard port: nothing listens
    update_id = emulator.send_text(emulator.create_user("Ann")["id"], "hello")
    await emulator.wait_for(lambda: len(emulator.deliveries()) >= 2, WAIT)
    assert {d["error"] for d in emulator.deliveries()} == {"Connection refused"}

    await set_webhook(emulator, receiver.url)
    await emulator.wait_idle(WAIT)
    assert receiver.update_ids() == [update_id]


async def test_allowed_updates_drop_other_update_types(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, receiver.url, allowed_updates='["message"]')  # as a form sends it
    user = emulator.create_user("Ann")
    button = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    prompt = await bot_says(emulator, user["id"], "Tap", reply_markup=button)
    emulator.press(user["id"], prompt["message_id"], "go")
    emulator.send_text(user["id"], "typed")
    await emulator.wait_idle(WAIT)

    assert [list(r["update"])[1] for r in receiver.requests] == ["message"]
    assert receiver.texts() == ["typed"]


async def test_updates_are_held_until_a_webhook_is_set(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    user = emulator.create_user("Ann")
    emulator.send_text(user["id"], "one")
    emulator.send_text(user["id"], "two")
    assert emulator.webhook_info()["pending_update_count"] == 2
    with pytest.raises(TimeoutError):
        await emulator.wait_idle(0.05)  # cannot become idle: nothing can deliver the updates

    await set_webhook(emulator, receiver.url)
    await emulator.wait_idle(WAIT)
    assert receiver.texts() == ["one", "two"]
    assert emulator.webhook_info()["pending_update_count"] == 0


async def test_delete_webhook_keeps_or_drops_pending_updates(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    user = emulator.create_user("Ann")
    await emulator.call("deleteWebhook", Params({"drop_pending_updates": "false"}))
    emulator.send_text(user["id"], "kept")
    await emulator.call("deleteWebhook", Params({}))
    assert emulator.webhook_info()["pending_update_count"] == 1
    await set_webhook(emulator, receiver.url)
    await emulator.wait_idle(WAIT)

    await emulator.call("deleteWebhook", Params({}))
    emulator.send_text(user["id"], "dropped")
    await emulator.call("deleteWebhook", Params({"drop_pending_updates": True}))
    assert emulator.webhook_info()["pending_update_count"] == 0
    await set_webhook(emulator, receiver.url)
    await emulator.wait_idle(WAIT)
    assert receiver.texts() == ["kept"]


async def test_concurrent_copies_arrive_at_the_same_time(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    all_arrived = asyncio.Event()

    async def wait_for_all_copies(update: dict) -> int:
        if receiver.in_flight == 3:
            all_arrived.set()
        await asyncio.wait_for(all_arrived.wait(), WAIT)
        return 200

    receiver.behaviour = wait_for_all_copies
    await set_webhook(emulator, receiver.url)
    emulator.inject(raw_message_update(777, 42, "again"), copies=3, concurrent=True)
    await emulator.wait_idle(WAIT)

    assert all_arrived.is_set()
    assert receiver.update_ids() == [777, 777, 777]
    assert receiver.max_in_flight_per_chat == 3


async def test_sequential_copies_arrive_one_after_another(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, receiver.url)
    emulator.inject(raw_message_update(778, 42, "again"), copies=3)
    await emulator.wait_idle(WAIT)
    assert receiver.update_ids() == [778, 778, 778]
    assert receiver.max_in_flight_per_chat == 1
    user = emulator.create_user("Ann")
    assert emulator.send_text(user["id"], "next") > 778  # fresh ids never reuse injected ones


async def test_targets_alternate_one_chat_between_servers(
    receiver: Receiver, second_receiver: Receiver, emulator: BotApiEmulator
) -> None:
    await set_webhook(emulator, receiver.url, secret_token="shared")
    emulator.set_targets([receiver.url, second_receiver.url])
    user = emulator.create_user("Ann")
    for n in range(4):
        emulator.send_text(user["id"], f"m{n}")
    await emulator.wait_idle(WAIT)

    assert receiver.texts() == ["m0", "m2"]
    assert second_receiver.texts() == ["m1", "m3"]
    assert {r["secret"] for r in receiver.requests + second_receiver.requests} == {"shared"}


async def test_max_connections_caps_deliveries_in_flight(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    gate = asyncio.Event()

    async def hold(update: dict) -> int:
        await gate.wait()
        return 200

    receiver.behaviour = hold
    await set_webhook(emulator, receiver.url, max_connections=2)
    for name in ("Ann", "Bob", "Cid", "Dan", "Eve"):
        emulator.send_text(emulator.create_user(name)["id"], f"from {name}")
    await receiver.wait_for(lambda: receiver.in_flight == 2)
    assert emulator.delivery.in_flight == 2
    gate.set()
    await emulator.wait_idle(WAIT)

    assert len(receiver.requests) == 5
    assert receiver.max_in_flight == 2


async def test_webhook_reply_with_a_method_is_executed(
    receiver: Receiver, emulator: BotApiEmulator
) -> None:
    async def reply_with_send_message(update: dict) -> JSONResponse:
        chat_id = update["message"]["chat"]["id"]
        return JSONResponse({"method": "sendMessage", "chat_id": chat_id, "text": "pong"})

    receiver.behaviour = reply_with_send_message
    await set_webhook(emulator, receiver.url)
    user = emulator.create_user("Ann")
    emulator.send_text(user["id"], "ping")
    await emulator.wait_idle(WAIT)
    assert [m["text"] for m in emulator.messages(user["id"])] == ["ping", "pong"]


async def test_get_updates_without_a_webhook(emulator: BotApiEmulator) -> None:
    user = emulator.create_user("Ann")
    first = emulator.send_text(user["id"], "one")
    second = emulator.send_text(user["id"], "two")

    updates = await emulator.call("getUpdates", Params({}))
    assert [u["update_id"] for u in updates] == [first, second]
    assert await emulator.call("getUpdates", Params({"offset": second})) == [updates[1]]
    assert await emulator.call("getUpdates", Params({"offset": second + 1})) == []

    waiting = asyncio.create_task(
        emulator.call("getUpdates", Params({"offset": second + 1, "timeout": WAIT}))
    )
    third = emulator.send_text(user["id"], "three")
    assert [u["update_id"] for u in await waiting] == [third]

    await set_webhook(emulator, "http://127.0.0.1:9/webhook")
    with pytest.raises(BotApiError) as conflict:
        await emulator.call("getUpdates", Params({}))
    assert conflict.value.code == 409
