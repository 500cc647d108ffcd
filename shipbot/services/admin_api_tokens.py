"""Personal admin API tokens (SPEC §4): an admin creates them in the panel and the API takes
them as that admin, with the account's role, so the audit log names who acted. The token is
shown once; the database keeps its SHA-256, as for sessions, and a short prefix to recognise
it by. A token stops working when revoked or when its account is disabled. Creating and
revoking are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from shipbot.db.database import Database
from shipbot.db.models import AdminAccount, AdminApiToken, utcnow
from shipbot.services import audit
from shipbot.services.admin_accounts import Role
from shipbot.services.admin_sessions import TOUCH_PRECISION, hash_token
from shipbot.services.audit import Actor

# Recognisable in a leaked log or a secret scanner's rules, and apart from ADMIN_API_TOKEN.
TOKEN_PREFIX = "sbk_"
# The prefix and 8 characters of the secret: enough to tell tokens apart, far too few to guess.
VISIBLE_LENGTH = len(TOKEN_PREFIX) + 8
MAX_NAME_LENGTH = 64


class ApiTokenError(Exception):
    """A request that breaks a rule; the message is one line for the operator."""


@dataclass(frozen=True)
class ApiIdentity:
    """Who an API request comes from: an account, or no account for ADMIN_API_TOKEN."""

    account_id: int | None
    username: str
    role: Role

    def actor(self, client_address: str | None) -> Actor:
        return Actor(self.account_id, self.username, client_address)


@dataclass(frozen=True)
class TokenView:
    id: int
    account_id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: AdminApiToken, username: str) -> TokenView:
        return cls(
            row.id,
            row.account_id,
            username,
            row.name,
            row.prefix,
            row.created_at,
            row.last_used_at,
            row.revoked_at,
        )


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ApiTokenError("give the token a name, such as what will use it")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ApiTokenError(f"the name must be at most {MAX_NAME_LENGTH} characters")
    return cleaned


async def create(database: Database, actor: Actor, name: str) -> tuple[str, TokenView]:
    """A new token for the acting admin's own account: the token itself, which is never
    available again, and what the lists show of it."""
    if actor.account_id is None or actor.username is None:
        raise ApiTokenError("only an admin account can hold an API token")
    label = _clean_name(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AdminApiToken(
        account_id=actor.account_id,
        name=label,
        token_hash=hash_token(token),
        prefix=token[:VISIBLE_LENGTH],
    )
    async with database.write_transaction() as session:
        session.add(row)
        await session.flush()
        audit.record(
            session,
            actor,
            "api_token.create",
            target_type="admin_api_token",
            target_id=row.id,
            after={"name": label, "prefix": row.prefix, "account": actor.username},
        )
    return token, TokenView.of(row, actor.username)


async def list_tokens(database: Database, account_id: int | None = None) -> list[TokenView]:
    """One account's tokens, or every account's when `account_id` is None; newest first."""
    query = (
        select(AdminApiToken, AdminAccount.username)
        .join(AdminAccount, AdminAccount.id == AdminApiToken.account_id)
        .order_by(AdminApiToken.id.desc())
    )
    if account_id is not None:
        query = query.where(AdminApiToken.account_id == account_id)
    async with database.sessions() as session:
        return [TokenView.of(row, username) for row, username in await session.execute(query)]


async def revoke(database: Database, token_id: int, actor: Actor, role: Role) -> TokenView:
    """Owners revoke anyone's token; support only their own (another's is "no such token",
    so its existence is not revealed)."""
    now = utcnow()
    async with database.write_transaction() as session:
        found = (
            await session.execute(
                select(AdminApiToken, AdminAccount.username)
                .join(AdminAccount, AdminAccount.id == AdminApiToken.account_id)
                .where(AdminApiToken.id == token_id)
                .with_for_update(of=AdminApiToken)  # concurrent revocations: one wins
            )
        ).first()
        if found is None or (role is not Role.OWNER and found[0].account_id != actor.account_id):
            raise ApiTokenError(f"there is no API token {token_id}")
        row, username = found
        if row.revoked_at is not None:
            raise ApiTokenError(f"the token {row.name!r} is already revoked")
        row.revoked_at = now
        audit.record(
            session,
            actor,
            "api_token.revoke",
            target_type="admin_api_token",
            target_id=row.id,
            before={"revoked": False},
            after={"revoked": True, "name": row.name, "prefix": row.prefix, "account": username},
            at=now,
        )
    return TokenView.of(row, username)


async def resolve(
    database: Database, token: str, *, now: datetime | None = None
) -> ApiIdentity | None:
    """The account behind a token, or None when the token is unknown, revoked or its account
    disabled. Records the use."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    async with database.sessions() as session:
        found = (
            await session.execute(
                select(AdminApiToken, AdminAccount)
                .join(AdminAccount, AdminAccount.id == AdminApiToken.account_id)
                .where(AdminApiToken.token_hash == hash_token(token))
            )
        ).first()
    if found is None:
        return None
    row, account = found
    if row.revoked_at is not None or account.disabled_at is not None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_PRECISION:
        async with database.write_transaction() as session:
            await session.execute(
                update(AdminApiToken).where(AdminApiToken.id == row.id).values(last_used_at=now)
            )
    return ApiIdentity(account.id, account.username, Role(account.role))
