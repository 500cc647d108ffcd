"""The durable sender of broadcasts: every replica runs a worker; the workers share a
broadcast through the database.

A worker claims a batch of pending recipients (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
replicas never claim the same row) for a lease, together with the next free send slots of
the broadcast: the slots are `1 / BROADCAST_RATE` seconds apart whoever takes them, so all
replicas together keep to the rate. Right before each send the worker checks that the row is
still its own and the broadcast still sending and not held after a 429; the row's `sent` mark
is committed right after Telegram accepts the message. A worker killed between the two has
sent one message whose mark is lost: once its lease has passed another worker sends it
again. That is the only duplicate, at most one per worker and crash.

Each recipient gets one message per broadcast, and a retry waits at least two seconds, so no
chat gets more than one message a second from a broadcast.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import Broadcast, BroadcastRecipient, utcnow
from shipbot.domain.broadcast import (
    MAX_ATTEMPTS,
    RETRY_BASE,
    BroadcastState,
    MediaKind,
    RecipientState,
    retry_delay,
)
from shipbot.services.broadcasts import finish_if_complete
from shipbot.services.job_runs import describe
from shipbot.services.users import mark_blocked_bot

log = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # how often an idle worker looks for a broadcast to send
# A batch's rows stay claimed this long past their last slot: longer than a Bot API call may
# take (15 s), so a claim never runs out under a worker still sending. A killed worker's
# rows are taken over when it has passed.
CLAIM_LEASE = timedelta(seconds=30)
# A worker this late for a slot gives the rest of its batch back rather than catch up in a
# burst that could go over Telegram's limit.
LATE_TOLERANCE = timedelta(seconds=0.2)
MAX_ERROR = 500


@dataclass
class Outgoing:
    """What every recipient of one broadcast gets."""

    text: str
    buttons: list[dict]
    media_kind: str | None = None
    media_name: str | None = None
    media_data: bytes | None = None
    media_file_id: str | None = None

    @classmethod
    def of(cls, broadcast: Broadcast) -> Outgoing:
        return cls(
            broadcast.text,
            broadcast.buttons,
            broadcast.media_kind,
            broadcast.media_name,
            broadcast.media_data,
            broadcast.media_file_id,
        )


async def deliver(bot: Bot, chat_id: int, outgoing: Outgoing) -> str | None:
    """Send the message; the file_id Telegram gave an uploaded file (to send next time)."""
    markup = None
    if outgoing.buttons:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=b["text"], url=b["url"])] for b in outgoing.buttons
            ]
        )
    if outgoing.media_kind is None:
        await bot.send_message(chat_id, outgoing.text, parse_mode="HTML", reply_markup=markup)
        return None
    media = outgoing.media_file_id or BufferedInputFile(
        outgoing.media_data or b"", outgoing.media_name or "file"
    )
    caption = outgoing.text or None
    if outgoing.media_kind == MediaKind.PHOTO:
        sent = await bot.send_photo(
            chat_id, media, caption=caption, parse_mode="HTML", reply_markup=markup
        )
    else:
        sent = await bot.send_document(
            chat_id, media, caption=caption, parse_mode="HTML", reply_markup=markup
        )
    return _file_id(sent)


def _file_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    return message.document.file_id if message.document else None


@dataclass
class Claim:
    broadcast_id: int
    recipients: list[tuple[int, int, int]]  # (row id, user id, attempts)
    first_slot: datetime
    interval: timedelta


@dataclass
class BroadcastWorker:
    database: Database
    bot: Bot
    rate: float  # messages a second, shared by every worker of every replica
    name: str = field(default_factory=lambda: f"worker-{secrets.token_hex(6)}")
    retry_base: timedelta = RETRY_BASE
    _outgoing: dict[int, Outgoing] = field(default_factory=dict)

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=1 / self.rate)

    @property
    def batch_size(self) -> int:
        return max(1, round(self.rate))  # about a second of sending

    async def run_forever(self) -> None:
        while True:
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast worker %s failed; trying again", self.name)
                worked = False
            if not worked:
                await asyncio.sleep(IDLE_SECONDS)

    async def run_once(self) -> bool:
        """Claim and send one batch of the oldest sending broadcast; False when idle."""
        broadcast_id = await self._sending_broadcast()
        if broadcast_id is None:
            return False
        claim = await self._claim(broadcast_id)
        if claim is None:
            async with self.database.write_transaction() as session:
                await finish_if_complete(session, broadcast_id)
            return False
        await self._send_batch(claim)
        return True

    async def _sending_broadcast(self) -> int | None:
        async with self.database.sessions() as session:
            return await session.scalar(
                select(Broadcast.id)
                .where(Broadcast.state == BroadcastState.SENDING.value)
                .order_by(Broadcast.id)
                .limit(1)
            )

    async def _claim(self, broadcast_id: int) -> Claim | None:
        now = utcnow()
        async with self.database.write_transaction() as session:
            # The broadcast's row lock makes the workers take slots in turns.
            broadcast = await session.get(Broadcast, broadcast_id, with_for_update=True)
            if broadcast is None or broadcast.state != BroadcastState.SENDING.value:
                return None
            rows = (
                await session.execute(
                    select(
                        BroadcastRecipient.id,
                        BroadcastRecipient.user_id,
                        BroadcastRecipient.attempts,
                    )
                    .where(
                        BroadcastRecipient.broadcast_id == broadcast_id,
                        BroadcastRecipient.state == RecipientState.PENDING.value,
                        or_(
                            BroadcastRecipient.claimed_until.is_(None),
                            BroadcastRecipient.claimed_until < now,
                        ),
                        or_(
                            BroadcastRecipient.next_attempt_at.is_(None),
                            BroadcastRecipient.next_attempt_at <= now,
                        ),
                    )
                    .order_by(BroadcastRecipient.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return None
            first = max(t for t in (now, broadcast.next_slot_at, broadcast.hold_until) if t)
            last = first + self.interval * (len(rows) - 1)
            broadcast.next_slot_at = last + self.interval
            await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id.in_([row.id for row in rows]))
                .values(claimed_by=self.name, claimed_until=last + CLAIM_LEASE)
            )
            if broadcast_id not in self._outgoing:
                self._outgoing[broadcast_id] = Outgoing.of(broadcast)
        return Claim(broadcast_id, [tuple(row) for row in rows], first, self.interval)

    async def _send_batch(self, claim: Claim) -> None:
        tried = 0
        for number, (row_id, user_id, attempts) in enumerate(claim.recipients):
            late = utcnow() - (claim.first_slot + claim.interval * number)
            if late > LATE_TOLERANCE:
                break
            if late < timedelta(0):
                await asyncio.sleep(-late.total_seconds())
            if not await self._may_send(claim, row_id):
                break
            tried += 1
            if not await self._send_one(claim.broadcast_id, row_id, user_id, attempts):
                break
        await self._release(claim)
        log.info(
            "broadcast %s: %s tried %d of a batch of %d",
            claim.broadcast_id,
            self.name,
            tried,
            len(claim.recipients),
        )

    async def _may_send(self, claim: Claim, row_id: int) -> bool:
        """The last check before the message goes out: the row is still this worker's and
        pending, and the broadcast is sending and not held after a 429."""
        now = utcnow()
        sending = exists().where(
            Broadcast.id == claim.broadcast_id,
            Broadcast.state == BroadcastState.SENDING.value,
            or_(Broadcast.hold_until.is_(None), Broadcast.hold_until <= now),
        )
        async with self.database.sessions() as session:
            mine = await session.scalar(
                select(BroadcastRecipient.id).where(
                    BroadcastRecipient.id == row_id,
                    BroadcastRecipient.claimed_by == self.name,
                    BroadcastRecipient.state == RecipientState.PENDING.value,
                    sending,
                )
            )
        return mine is not None

    async def _release(self, claim: Claim) -> None:
        """Give back the rows of the batch not sent yet."""
        async with self.database.write_transaction() as session:
            await session.execute(
                update(BroadcastRecipient)
                .where(
                    BroadcastRecipient.broadcast_id == claim.broadcast_id,
                    BroadcastRecipient.claimed_by == self.name,
                    BroadcastRecipient.state == RecipientState.PENDING.value,
                )
                .values(claimed_by=None, claimed_until=None)
            )

    async def _send_one(self, broadcast_id: int, row_id: int, user_id: int, attempts: int) -> bool:
        """Send to one recipient and record the outcome; False when sending must stop (429)."""
        outgoing = self._outgoing[broadcast_id]
        try:
            file_id = await deliver(self.bot, user_id, outgoing)
        except TelegramRetryAfter as error:
            await self._hold(broadcast_id, row_id, error.retry_after)
            return False
        except TelegramForbiddenError as error:
            await self._unreachable(row_id, user_id, error.message)
        except TelegramBadRequest as error:
            if "chat not found" in error.message.lower():
                await self._unreachable(row_id, user_id, error.message)
            else:
                await self._failed(row_id, attempts, describe(error))
        except (AiogramError, OSError) as error:
            await self._failed(row_id, attempts, describe(error))
        else:
            await self._sent(broadcast_id, row_id, attempts, file_id)
        return True

    async def _sent(
        self, broadcast_id: int, row_id: int, attempts: int, file_id: str | None
    ) -> None:
        async with self.database.write_transaction() as session:
            await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id == row_id)
                .values(
                    state=RecipientState.SENT.value,
                    attempts=attempts + 1,
                    sent_at=utcnow(),
                    claimed_by=None,
                    claimed_until=None,
                )
            )
            if file_id and self._outgoing[broadcast_id].media_file_id is None:
                self._outgoing[broadcast_id].media_file_id = file_id
                await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.media_file_id.is_(None))
                    .values(media_file_id=file_id)
                )

    async def _hold(self, broadcast_id: int, row_id: int, retry_after: int) -> None:
        """Telegram said to wait: hold every worker's sending, and send this one again."""
        until = utcnow() + timedelta(seconds=retry_after)
        log.warning("broadcast %s: Telegram asks to wait %s s", broadcast_id, retry_after)
        async with self.database.write_transaction() as session:
            await session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    or_(Broadcast.hold_until.is_(None), Broadcast.hold_until < until),
                )
                .values(hold_until=until)
            )
            await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id == row_id)
                .values(claimed_by=None, claimed_until=None)
            )

    async def _unreachable(self, row_id: int, user_id: int, reason: str) -> None:
        async with self.database.write_transaction() as session:
            await mark_blocked_bot(session, user_id)
            await self._finish_row(session, row_id, RecipientState.BLOCKED, reason)

    async def _failed(self, row_id: int, attempts: int, reason: str) -> None:
        attempts += 1
        async with self.database.write_transaction() as session:
            if attempts >= MAX_ATTEMPTS:
                await self._finish_row(session, row_id, RecipientState.FAILED, reason, attempts)
                return
            await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id == row_id)
                .values(
                    attempts=attempts,
                    error=reason[:MAX_ERROR],
                    next_attempt_at=utcnow() + retry_delay(attempts, self.retry_base),
                    claimed_by=None,
                    claimed_until=None,
                )
            )

    @staticmethod
    async def _finish_row(
        session: AsyncSession,
        row_id: int,
        state: RecipientState,
        reason: str,
        attempts: int | None = None,
    ) -> None:
        values = {"state": state.value, "error": reason[:MAX_ERROR], "claimed_by": None}
        if attempts is not None:
            values["attempts"] = attempts
        await session.execute(
            update(BroadcastRecipient).where(BroadcastRecipient.id == row_id).values(**values)
        )
