"""Admin accounts: create, change (role, Telegram id, enabled, password), list, and the
password check at login with its lockout (SPEC §4). Every change and every login attempt is
audited. The rules hold for the CLI, the panel and the API alike: an admin cannot demote,
disable or set the password of their own account, and the last active owner stays an active
owner.

Passwords are hashed with argon2id. A name that does not exist is checked against a dummy
hash, so a wrong name takes as long as a wrong password and the answer is the same. Failures
are counted by the name tried and by the client address: 5 within 15 minutes lock that name,
or that address, for 15 minutes after the fifth; attempts while locked are refused unchecked
and do not extend the lock.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.database import Database
from shipbot.db.models import AdminAccount, AdminLoginFailure, AdminSession, utcnow
from shipbot.services import audit
from shipbot.services.audit import Actor

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow; do not let a megabyte in
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_NAME_COLUMN_LENGTH = 64
_TELEGRAM_ID_RE = re.compile(r"^[0-9]{1,19}$")
MAX_TELEGRAM_ID = 2**63 - 1  # the column is a BIGINT
GENERATED_PASSWORD_BYTES = 18  # 24 URL-safe characters, 144 random bits

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class Role(StrEnum):
    OWNER = "owner"
    SUPPORT = "support"


class AdminAccountError(Exception):
    """A request that breaks a rule; the message is one line for the operator."""


class NoSuchAccount(AdminAccountError):
    """No admin has this username."""


class AccountConflict(AdminAccountError):
    """The username, or the Telegram id, already belongs to an admin."""


class _Keep(Enum):
    KEEP = "keep"


# change_account's telegram_id when it is to stay as it is (None clears it).
KEEP = _Keep.KEEP


class LoginFailed(Exception):
    """Wrong name or password, or a disabled account: one answer for all of them."""


class LockedOut(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked out until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class AccountView:
    id: int
    username: str
    role: Role
    telegram_id: int | None
    disabled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, account: AdminAccount) -> AccountView:
        return cls(
            account.id,
            account.username,
            Role(account.role),
            account.telegram_id,
            account.disabled_at,
            account.created_at,
        )


def normalize_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME_RE.match(name):
        raise AdminAccountError(
            "username must be 2-64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_telegram_id(telegram_id: int | None) -> int | None:
    if telegram_id is not None and not 1 <= telegram_id <= MAX_TELEGRAM_ID:
        raise AdminAccountError("Telegram id must be a positive whole number")
    return telegram_id


def parse_telegram_id(text: str) -> int | None:
    """A Telegram id as typed in a form; blank is none."""
    text = text.strip()
    if not text:
        return None
    if not _TELEGRAM_ID_RE.match(text):
        raise AdminAccountError("Telegram id must be a number such as 123456789")
    return check_telegram_id(int(text))


def new_password() -> str:
    """A password for an account whose admin did not choose one; shown to them once."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def check_password(password: str) -> None:
    if not password.strip():
        raise AdminAccountError("password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminAccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AdminAccountError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")


async def hash_password(password: str) -> str:
    # The hash takes tens of milliseconds of CPU; argon2 releases the GIL, the loop stays free.
    return await asyncio.to_thread(_hasher.hash, password)


async def create_account(
    database: Database,
    username: str,
    password: str,
    role: Role,
    actor: Actor,
    *,
    telegram_id: int | None = None,
) -> AccountView:
    name = normalize_username(username)
    check_telegram_id(telegram_id)
    check_password(password)
    password_hash = await hash_password(password)
    account = AdminAccount(
        username=name, password_hash=password_hash, role=role.value, telegram_id=telegram_id
    )
    try:
        async with database.write_transaction() as session:
            if await _find(session, name) is not None:
                raise AccountConflict(f"admin {name!r} already exists")
            await _check_telegram_id_free(session, telegram_id, None)
            session.add(account)
            await session.flush()
            audit.record(
                session,
                actor,
                "admin_account.create",
                target_type="admin_account",
                target_id=name,
                after={"username": name, "role": role.value, "telegram_id": telegram_id},
            )
    except IntegrityError:  # created by someone else between our check and our insert
        raise AccountConflict(f"admin {name!r} already exists") from None
    return AccountView.of(account)


@dataclass(frozen=True)
class AccountChange:
    account: AccountView  # as it is now
    changed: bool  # False when every value asked for was already so


async def change_account(
    database: Database,
    username: str,
    actor: Actor,
    *,
    role: Role | None = None,
    telegram_id: int | Literal[_Keep.KEEP] | None = KEEP,
    enabled: bool | None = None,
    password: str | None = None,
    reason: str | None = None,
) -> AccountChange:
    """Change what is given (None and KEEP leave a value as it is) in one transaction, with one
    audit row per kind of change: admin_account.change (role, Telegram id, with before and
    after), admin_account.disable or .enable, admin_account.set_password (no values). Disabling
    or a new password also ends the account's sessions: whoever knew the old one is out."""
    name = normalize_username(username)
    if telegram_id is not KEEP:
        check_telegram_id(telegram_id)
    password_hash = None
    if password is not None:
        check_password(password)
        password_hash = await hash_password(password)
    reason = " ".join((reason or "").split()) or None
    async with database.write_transaction() as session:
        account = await _require(session, name)
        before: dict[str, object] = {}
        after: dict[str, object] = {}
        if role is not None and role.value != account.role:
            before["role"], after["role"] = account.role, role.value
        if telegram_id is not KEEP and telegram_id != account.telegram_id:
            await _check_telegram_id_free(session, telegram_id, account.id)
            before["telegram_id"], after["telegram_id"] = account.telegram_id, telegram_id
        disabled = account.disabled_at is not None
        toggled = enabled is not None and enabled == disabled
        await _check_guards(
            session,
            account,
            actor,
            demoting=after.get("role") == Role.SUPPORT.value,
            disabling=toggled and not enabled,
            new_password=password_hash is not None,
        )

        def record(action: str, **values: object) -> None:
            audit.record(
                session,
                actor,
                action,
                target_type="admin_account",
                target_id=name,
                reason=reason,
                **values,
            )

        if after:
            if role is not None:
                account.role = role.value
            if telegram_id is not KEEP:
                account.telegram_id = telegram_id
            record("admin_account.change", before=before, after=after)
        if toggled:
            account.disabled_at = None if disabled else utcnow()
            if not disabled:
                await _end_sessions(session, account.id)
            action = "admin_account.enable" if disabled else "admin_account.disable"
            record(action, before={"disabled": disabled}, after={"disabled": not disabled})
        if password_hash is not None:
            account.password_hash = password_hash
            await _end_sessions(session, account.id)
            record("admin_account.set_password")
    changed = bool(after) or toggled or password_hash is not None
    return AccountChange(AccountView.of(account), changed)


async def set_password(database: Database, username: str, password: str, actor: Actor) -> None:
    """A new password also ends the account's sessions: whoever knew the old one is out."""
    await change_account(database, username, actor, password=password)


async def disable_account(database: Database, username: str, actor: Actor) -> None:
    """It can no longer log in, and its sessions end; refused when it already is disabled."""
    if not (await change_account(database, username, actor, enabled=False)).changed:
        raise AdminAccountError(f"admin {normalize_username(username)!r} is already disabled")


async def get_account(database: Database, username: str) -> AccountView:
    async with database.sessions() as session:
        return AccountView.of(await _require(session, normalize_username(username)))


async def list_accounts(
    database: Database, *, after: str | None = None, limit: int | None = None
) -> list[AccountView]:
    """By username; a page of them starts after the username `after` (keyset on the unique
    name) and holds at most `limit`."""
    query = select(AdminAccount).order_by(AdminAccount.username).limit(limit)
    if after is not None:
        query = query.where(AdminAccount.username > after)
    async with database.sessions() as session:
        return [AccountView.of(account) for account in await session.scalars(query)]


async def authenticate(
    database: Database,
    username: str,
    password: str,
    client_address: str,
    *,
    now: datetime | None = None,
) -> AccountView:
    """The account whose password this is; raises LoginFailed or LockedOut, audited."""
    now = now or utcnow()
    name = username.strip().lower()[:_NAME_COLUMN_LENGTH]
    address = client_address[:_NAME_COLUMN_LENGTH]
    async with database.sessions() as session:
        locked_until = await _locked_until(session, name, address, now)
        account = await _find(session, name)
    actor = Actor(account.id if account else None, name, address)
    if locked_until is not None:
        log.warning("admin login refused: %r from %s is locked out", name, address)
        async with database.transaction() as session:
            audit.record(
                session,
                actor,
                "login.refused",
                reason="locked out",
                after={"locked_until": locked_until.isoformat()},
                at=now,
            )
        raise LockedOut(locked_until)

    stored_hash = account.password_hash if account else _dummy_hash()
    if await asyncio.to_thread(_verify, stored_hash, password) and account is not None:
        if account.disabled_at is None:
            await _rehash_if_outdated(database, account, password)
            return AccountView.of(account)
        reason = "account disabled"
    else:
        reason = "wrong password" if account else "unknown username"

    async with database.write_transaction() as session:
        session.add(AdminLoginFailure(username=name, client_address=address, at=now))
        audit.record(session, actor, "login.failed", reason=reason, at=now)
        await session.flush()
        locked_until = await _locked_until(session, name, address, now)
        if locked_until is not None:
            audit.record(
                session,
                actor,
                "login.lockout",
                after={"locked_until": locked_until.isoformat()},
                at=now,
            )
    if locked_until is not None:
        log.warning(
            "admin login locked out after %d failures: %r from %s until %s",
            MAX_FAILURES,
            name,
            address,
            locked_until.isoformat(),
        )
        raise LockedOut(locked_until)
    log.info("admin login failed: %r from %s (%s)", name, address, reason)
    raise LoginFailed()


async def _locked_until(
    session: AsyncSession, name: str, address: str, now: datetime
) -> datetime | None:
    """The end of the lockout on this name or this address, if one is running now."""
    ends = []
    for column, value in (
        (AdminLoginFailure.username, name),
        (AdminLoginFailure.client_address, address),
    ):
        latest = list(
            await session.scalars(
                select(AdminLoginFailure.at)
                .where(column == value)
                .order_by(AdminLoginFailure.at.desc())
                .limit(MAX_FAILURES)
            )
        )
        if len(latest) == MAX_FAILURES and latest[0] - latest[-1] <= LOCKOUT:
            ends.append(latest[0] + LOCKOUT)
    running = [end for end in ends if end > now]
    return max(running) if running else None


async def has_password(database: Database, username: str, password: str) -> bool:
    """Whether the account exists with this password; a check, not a login: nothing recorded."""
    async with database.sessions() as session:
        account = await _find(session, normalize_username(username))
    return account is not None and await asyncio.to_thread(_verify, account.password_hash, password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


async def _rehash_if_outdated(database: Database, account: AdminAccount, password: str) -> None:
    # Raising the hasher's cost upgrades each stored hash at its owner's next login.
    if not _hasher.check_needs_rehash(account.password_hash):
        return
    password_hash = await hash_password(password)
    async with database.write_transaction() as session:
        await session.execute(
            update(AdminAccount)
            .where(AdminAccount.id == account.id)
            .values(password_hash=password_hash)
        )


async def _find(session: AsyncSession, name: str) -> AdminAccount | None:
    return await session.scalar(select(AdminAccount).where(AdminAccount.username == name))


async def _require(session: AsyncSession, name: str) -> AdminAccount:
    account = await _find(session, name)
    if account is None:
        raise NoSuchAccount(f"no admin named {name!r}")
    return account


async def _check_telegram_id_free(
    session: AsyncSession, telegram_id: int | None, account_id: int | None
) -> None:
    if telegram_id is None:
        return
    holder = await session.scalar(
        select(AdminAccount.username).where(
            AdminAccount.telegram_id == telegram_id, AdminAccount.id != account_id
        )
    )
    if holder is not None:
        raise AccountConflict(f"Telegram id {telegram_id} is already on admin {holder!r}")


async def _check_guards(
    session: AsyncSession,
    account: AdminAccount,
    actor: Actor,
    *,
    demoting: bool,
    disabling: bool,
    new_password: bool,
) -> None:
    """Nobody locks themselves out, and the shop always keeps an active owner."""
    if account.id == actor.account_id:
        if disabling:
            raise AdminAccountError("you cannot disable your own account")
        if demoting:
            raise AdminAccountError("you cannot demote your own account")
        if new_password:
            raise AdminAccountError(
                "you cannot set your own password here: another owner or the server's "
                "`shipbot admin passwd` can"
            )
    if (demoting or disabling) and account.role == Role.OWNER and account.disabled_at is None:
        # Locked, so two owners demoted at once on PostgreSQL cannot both see the other left.
        others = await session.scalars(
            select(AdminAccount.id)
            .where(
                AdminAccount.role == Role.OWNER.value,
                AdminAccount.disabled_at.is_(None),
                AdminAccount.id != account.id,
            )
            .with_for_update()
        )
        if not others.first():
            raise AdminAccountError(
                f"{account.username!r} is the last active owner: make another admin an owner first"
            )


async def _end_sessions(session: AsyncSession, account_id: int) -> None:
    await session.execute(
        update(AdminSession)
        .where(AdminSession.account_id == account_id, AdminSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
