"""The sandbox web chat in Debian's Chromium: a person talks to the real bot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


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
