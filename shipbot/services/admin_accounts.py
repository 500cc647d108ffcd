"""Admin accounts: create, change password, list, disable, and the password check at login
with its lockout (SPEC §4). Every change and every login attempt is audited.

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
from enum import StrEnum
from functools import cache

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

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class Role(StrEnum):
    OWNER = "owner"
    SUPPORT = "support"


class AdminAccountError(Exception):
    """A request that breaks a rule; the message is one line for the operator."""


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
    check_password(password)
    password_hash = await hash_password(password)
    account = AdminAccount(
        username=name, password_hash=password_hash, role=role.value, telegram_id=telegram_id
    )
    try:
        async with database.write_transaction() as session:
            if await _find(session, name) is not None:
                raise AdminAccountError(f"admin {name!r} already exists")
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
        raise AdminAccountError(f"admin {name!r} already exists") from None
    return AccountView.of(account)


async def set_password(database: Database, username: str, password: str, actor: Actor) -> None:
    """A new password also ends the account's sessions: whoever knew the old one is out."""
    name = normalize_username(username)
    check_password(password)
    password_hash = await hash_password(password)
    async with database.write_transaction() as session:
        account = await _require(session, name)
        account.password_hash = password_hash
        await _end_sessions(session, account.id)
        audit.record(
            session,
            actor,
            "admin_account.set_password",
            target_type="admin_account",
            target_id=name,
        )


async def disable_account(database: Database, username: str, actor: Actor) -> None:
    name = normalize_username(username)
    async with database.write_transaction() as session:
        account = await _require(session, name)
        if account.disabled_at is not None:
            raise AdminAccountError(f"admin {name!r} is already disabled")
        if account.id == actor.account_id:
            raise AdminAccountError("you cannot disable your own account")
        account.disabled_at = utcnow()
        await _end_sessions(session, account.id)
        audit.record(
            session,
            actor,
            "admin_account.disable",
            target_type="admin_account",
            target_id=name,
            before={"disabled": False},
            after={"disabled": True},
        )


async def list_accounts(database: Database) -> list[AccountView]:
    async with database.sessions() as session:
        accounts = await session.scalars(select(AdminAccount).order_by(AdminAccount.username))
        return [AccountView.of(account) for account in accounts]


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
        raise AdminAccountError(f"no admin named {name!r}")
    return account


async def _end_sessions(session: AsyncSession, account_id: int) -> None:
    await session.execute(
        update(AdminSession)
        .where(AdminSession.account_id == account_id, AdminSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
