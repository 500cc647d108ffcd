"""An update's state (dedup record, user, live prompt, FSM records) is read in one statement,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from shipbot.bot.runtime.scope import UpdateScope, load_update_state
from shipbot.db import migrate
from shipbot.db.database import Database
from shipbot.db.models import ActivePrompt, FsmRecord, ProcessedUpdate, User
from tests.support.postgres import PostgresCluster

BOT, CHAT = 99, 42


@pytest.fixture(scope="module")
def postgres():
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request, migrated_url):
    if request.param == "postgres":
        cluster = request.getfixturevalue("postgres")
        cluster.reset_database()
        db = Database(cluster.url.replace("postgresql://", "postgresql+asyncpg://"))
        await migrate.upgrade(db)
    else:
        db = Database(migrated_url)
    yield db
    await db.dispose()


async def seed(database: Database) -> None:
    async with database.transaction() as session:
        session.add(User(id=CHAT, first_name="Ann", is_blocked=False))
        session.add(ActivePrompt(bot_id=BOT, chat_id=CHAT, message_id=7))
        for destiny, state in (("default", "menu"), ("other", "elsewhere")):
            session.add(
                FsmRecord(bot_id=BOT, chat_id=CHAT, user_id=CHAT, destiny=destiny, state=state)
            )
        session.add(ProcessedUpdate(update_id=1, chat_id=CHAT, outcome="handled"))


async def load(database: Database, update_id: int) -> tuple[bool, UpdateScope, list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.sessions() as session:
            scope = UpdateScope(session=session, bot_id=BOT, update_id=update_id, chat_id=CHAT)
            processed = await load_update_state(scope, CHAT)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    return processed, scope, statements


async def test_a_new_update_of_a_known_chat_loads_everything_in_one_statement(database):
    await seed(database)
    processed, scope, statements = await load(database, update_id=2)

    assert len(statements) == 1
    assert processed is False
    assert scope.user.first_name == "Ann"
    assert scope.prompt.message_id == 7
    assert sorted(record.state for record in scope.fsm_records.values()) == ["elsewhere", "menu"]
    assert scope.fsm_loaded_for == (BOT, CHAT, CHAT)


async def test_a_redelivery_is_known_from_the_same_statement(database):
    await seed(database)
    processed, _, statements = await load(database, update_id=1)
    assert (processed, len(statements)) == (True, 1)


async def test_a_first_update_of_a_new_chat_is_one_statement_too(database):
    processed, scope, statements = await load(database, update_id=3)
    assert (processed, len(statements)) == (False, 1)
    assert (scope.user, scope.prompt, scope.fsm_records) == (None, None, {})
