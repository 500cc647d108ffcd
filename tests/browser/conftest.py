"""A sandbox server (bot, Bot API emulator, web chat, payment page) and Debian's Chromium."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.support.processes import ServerProcess

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def sandbox(tmp_path):
    server = ServerProcess(
        "sandbox",
        ["shipbot", "sandbox"],
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}",
            "LABELS_DIR": str(tmp_path / "labels"),
            "LOG_FORMAT": "text",
        },
        tmp_path,
    )
    server.start(ready_path="/readyz")
    yield server
    server.stop()


@pytest.fixture
def page():
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (scripts/test-deps.sh installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()
