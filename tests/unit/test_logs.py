"""Every log line of an update carries its update id and chat id, as text or as JSON."""

import json
import logging

import pytest

from shipbot.logs import chat_id_var, configure_logging, update_id_var


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def log_line(capsys, log_format: str) -> str:
    configure_logging(log_format, "INFO")
    update_id_var.set(123)
    chat_id_var.set(-456)
    try:
        logging.getLogger("shipbot.test").warning("charged %s", "once")
    finally:
        update_id_var.set(None)
        chat_id_var.set(None)
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_json_lines_carry_the_update_and_chat(capsys, restore_logging):
    entry = json.loads(log_line(capsys, "json"))
    assert entry["message"] == "charged once"
    assert entry["level"] == "warning"
    assert entry["update_id"] == 123 and entry["chat_id"] == -456


def test_text_lines_carry_the_update_and_chat(capsys, restore_logging):
    line = log_line(capsys, "text")
    assert "charged once" in line and "update_id=123 chat_id=-456" in line
