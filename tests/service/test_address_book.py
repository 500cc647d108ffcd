"""Address book rules on a real database: owner filtering, the 20-address limit, labels,
one default sender."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shipbot.db.database import Database
from shipbot.db.models import User, utcnow
from shipbot.domain.address import Address
from shipbot.domain.errors import Rejected
from shipbot.services import address_book

HOME = Address(
    name="John Smith", street1="215 Clayton St", city="San Francisco", state="CA", zip="94117"
)


@pytest.fixture
async def database(migrated_url):
    database = Database(migrated_url)
    async with database.transaction() as session:
        for user_id in (1, 2):
            now = utcnow()
            session.add(
                User(id=user_id, first_name="U", is_blocked=False, created_at=now, last_seen_at=now)
            )
    yield database
    await database.dispose()


async def test_an_address_is_found_only_through_its_owner(database):
    async with database.transaction() as session:
        saved = await address_book.save_address(session, 1, "Home", HOME)
    async with database.transaction() as session:
        assert await address_book.find_address(session, 2, saved.id) is None
        assert await address_book.list_addresses(session, 2) == []
        mine = await address_book.find_address(session, 1, saved.id)
        assert address_book.as_address(mine) == HOME


def at(number: int) -> Address:
    return replace(HOME, street1=f"{number} Main St")


async def test_the_same_address_is_kept_once(database):
    async with database.transaction() as session:
        await address_book.save_address(session, 1, "Home", HOME)
        # Staged in the same transaction, it is already in the book.
        with pytest.raises(Rejected) as twice:
            await address_book.save_address(session, 1, "Again", HOME)
        assert (twice.value.problem, twice.value.params) == ("already_saved", {"label": "Home"})
        await address_book.save_address(session, 1, "Shop", at(2))
    async with database.transaction() as session:
        saved = await address_book.list_addresses(session, 1)
        assert [entry.label for entry in saved] == ["Home", "Shop"]
        assert address_book.saved_as(saved, at(2)).label == "Shop"
        assert address_book.saved_as(saved, at(3)) is None


async def test_the_book_holds_twenty_addresses_with_distinct_labels(database):
    async with database.transaction() as session:
        await address_book.save_address(session, 1, "Home", HOME)
    async with database.transaction() as session:
        with pytest.raises(Rejected) as taken:
            await address_book.save_address(session, 1, "HOME", HOME)
        assert (taken.value.field, taken.value.problem) == ("label", "taken")
    for number in range(2, 21):
        async with database.transaction() as session:
            await address_book.save_address(session, 1, f"Shop {number}", at(number))
    async with database.transaction() as session:
        with pytest.raises(Rejected) as full:
            await address_book.save_address(session, 1, "One more", at(21))
        assert (full.value.problem, full.value.params) == ("book_full", {"max": 20})
        # Another user's book is separate.
        await address_book.save_address(session, 2, "Home", HOME)


async def test_one_default_sender_and_deletion(database):
    async with database.transaction() as session:
        await address_book.save_address(session, 1, "Home", HOME)
        await address_book.save_address(session, 1, "Work", at(2))
    async with database.transaction() as session:
        home, work = sorted(await address_book.list_addresses(session, 1), key=lambda a: a.label)
        await address_book.make_default_sender(session, home)
    async with database.transaction() as session:
        work = await address_book.find_address(session, 1, work.id)
        await address_book.make_default_sender(session, work)
    async with database.transaction() as session:
        default = await address_book.default_sender(session, 1)
        assert default.label == "Work"
        await address_book.delete_address(session, default)
        assert [a.label for a in await address_book.list_addresses(session, 1)] == ["Home"]
    async with database.transaction() as session:
        assert await address_book.default_sender(session, 1) is None
