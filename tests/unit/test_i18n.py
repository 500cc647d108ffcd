"""Every text the code says is in both catalogs, and Russian is really translated."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from shipbot.bot.ui.i18n import LOCALES, build_i18n, pick_locale

SOURCE = Path(__file__).parents[2] / "shipbot"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def source_messages() -> set[str]:
    keywords = {"_": None, "__": None, "gettext": None}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(SOURCE), keywords=keywords
        )
        if isinstance(message, str)
    }


def catalog(locale: str):
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_source_has_messages():
    assert "This button is no longer active" in source_messages()


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_message_is_in_the_catalog(locale):
    ids = {message.id for message in catalog(locale) if message.id}
    assert source_messages() - ids == set()


def test_russian_translates_every_message():
    untranslated = [message.id for message in catalog("ru") if message.id and not message.string]
    assert untranslated == []


def test_placeholders_survive_translation():
    for message in catalog("ru"):
        if message.id:
            expected = set(PLACEHOLDER.findall(message.id))
            assert set(PLACEHOLDER.findall(message.string)) == expected, message.id


def test_catalogs_load_and_translate():
    i18n = build_i18n()
    assert set(i18n.available_locales) == {"en", "ru"}
    assert i18n.gettext("Choose your language:", locale="ru") == "Выберите язык:"
    assert i18n.gettext("Choose your language:", locale="en") == "Choose your language:"


@pytest.mark.parametrize(
    ("chosen", "telegram", "expected"),
    [
        (None, "ru", "ru"),
        (None, "ru-RU", "ru"),
        ("en", "ru", "en"),
        (None, "de", "en"),
        (None, None, "en"),
    ],
)
def test_language_follows_choice_then_telegram(chosen, telegram, expected):
    assert pick_locale(chosen, telegram, {"en", "ru"}) == expected
