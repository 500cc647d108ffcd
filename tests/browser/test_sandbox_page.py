"""The sandbox web chat in Debian's Chromium: a person talks to the real bot."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.processes import ServerProcess

pytestmark = pytest.mark.browser

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
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.db'}", "LOG_FORMAT": "text"},
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


def test_a_person_starts_the_bot_and_presses_a_button(sandbox, page, tmp_path):
    page.goto(sandbox.url + "/sandbox")
    page.fill("#new-user-name", "Alice")
    page.select_option("#new-user-lang", "en")
    page.click("#create-user")

    page.fill("#message-input", "/start")
    page.click("#send")

    menu = page.locator(".message.bot").last
    expect(menu).to_contain_text("Hello, Alice!", timeout=30_000)
    expect(page.locator(".message.user").last).to_contain_text("/start")
    page.locator(".inline-button", has_text="Help").click()

    expect(page.locator(".message.bot").last).to_contain_text("How it works", timeout=30_000)
    expect(page.locator(".message.bot")).to_have_count(1)  # edited in place, not a new message
    page.screenshot(path=str(tmp_path / "sandbox.png"))

    page.locator(".inline-button", has_text="Back to menu").click()
    expect(page.locator(".message.bot").last).to_contain_text("Hello, Alice!", timeout=30_000)


def test_the_page_speaks_russian_to_a_russian_user(sandbox, page):
    page.goto(sandbox.url + "/sandbox")
    page.fill("#new-user-name", "Иван")
    page.select_option("#new-user-lang", "ru")
    page.click("#create-user")
    page.fill("#message-input", "/start")
    page.keyboard.press("Enter")
    expect(page.locator(".message.bot").last).to_contain_text("Здравствуйте, Иван!", timeout=30_000)
    expect(page.locator(".inline-button", has_text="Помощь")).to_be_visible()
