"""The address book (SPEC §3.6). Every read filters by the owner, so another user's id is
simply not found."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.db.models import SavedAddress
from shipbot.db.ownership import find_owned
from shipbot.domain.address import ADDRESS_FIELDS, Address
from shipbot.domain.errors import Rejected

MAX_ADDRESSES = 20


async def list_addresses(session: AsyncSession, user_id: int) -> list[SavedAddress]:
    rows = await session.scalars(
        select(SavedAddress)
        .where(SavedAddress.user_id == user_id)
        .order_by(SavedAddress.is_default_sender.desc(), SavedAddress.label)
    )
    # Changes are staged until the update commits (autoflush is off): leave out the deleted
    # entries and count the added ones already.
    added = [e for e in session.new if isinstance(e, SavedAddress) and e.user_id == user_id]
    kept = [entry for entry in rows if entry not in session.deleted]
    return sorted(kept + added, key=lambda entry: (not entry.is_default_sender, entry.label))


async def find_address(session: AsyncSession, user_id: int, address_id: int) -> SavedAddress | None:
    return await find_owned(session, SavedAddress, address_id, user_id)


async def default_sender(session: AsyncSession, user_id: int) -> SavedAddress | None:
    return await session.scalar(
        select(SavedAddress).where(
            SavedAddress.user_id == user_id, SavedAddress.is_default_sender.is_(True)
        )
    )


def as_address(saved: SavedAddress) -> Address:
    return Address.from_dict({name: getattr(saved, name) for name in ADDRESS_FIELDS})


async def save_address(
    session: AsyncSession, user_id: int, label: str, address: Address
) -> SavedAddress:
    """Stage a new entry; refuses a full book or a label the user already uses."""
    existing = await list_addresses(session, user_id)
    if len(existing) >= MAX_ADDRESSES:
        raise Rejected("label", "book_full", max=MAX_ADDRESSES)
    _check_label_free(existing, label, keep=None)
    same = saved_as(existing, address)
    if same is not None:
        raise Rejected("label", "already_saved", label=same.label)
    saved = SavedAddress(user_id=user_id, label=label, is_default_sender=False)
    update_address(saved, address)
    session.add(saved)
    return saved


async def rename_address(session: AsyncSession, saved: SavedAddress, label: str) -> None:
    _check_label_free(await list_addresses(session, saved.user_id), label, keep=saved)
    saved.label = label


def saved_as(existing: list[SavedAddress], address: Address) -> SavedAddress | None:
    """The entry that already holds this very address, if any."""
    return next((entry for entry in existing if as_address(entry) == address), None)


def update_address(saved: SavedAddress, address: Address) -> None:
    for name, value in address.to_dict().items():
        setattr(saved, name, value)


async def delete_address(session: AsyncSession, saved: SavedAddress) -> None:
    await session.delete(saved)


async def make_default_sender(session: AsyncSession, saved: SavedAddress) -> None:
    for other in await list_addresses(session, saved.user_id):
        other.is_default_sender = other.id == saved.id


def _check_label_free(existing: list[SavedAddress], label: str, keep: SavedAddress | None) -> None:
    if any(entry.label.casefold() == label.casefold() and entry is not keep for entry in existing):
        raise Rejected("label", "taken", label=label)
