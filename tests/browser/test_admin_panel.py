"""The operator's side in Chromium over the real sandbox server (SPEC §4): log in with the
sandbox admin's printed password, read the dashboard's charts, find a user, credit their
balance (the user's /balance in the web chat shows it), block them (the bot tells them), change
the markup (the user's next quote uses it), find the label they bought and download it, and
read each action back in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_buy_and_refund import MONEY, Person, Words
from tests.support.dialogue import RECIPIENT, SENDER

pytestmark = pytest.mark.browser


def admin_password(sandbox) -> str:
    found = re.search(r"admin panel \S+/admin \(user sandbox, password (\S+)\)", sandbox.log())
    assert found, sandbox.log()
    return found.group(1)


def open_panel(sandbox, page, name: str):
    """A test user who said /start in the web chat, and the admin panel logged in beside it."""
    person = Person(page, Words("en"))
    page.goto(sandbox.url + "/sandbox")
    page.fill("#new-user-name", name)
    page.click("#create-user")
    person.say("/start")
    person.sees(f"Hello, {name}!")
    with page.context.expect_page() as opened:
        page.click("a.admin-link")
    admin = opened.value
    admin.wait_for_load_state()
    expect(admin).to_have_url(re.compile(r"/admin/login$"))
    admin.fill("input[name=username]", "sandbox")
    admin.fill("input[name=password]", admin_password(sandbox))
    admin.click("button[type=submit]")
    expect(admin.locator("svg").first).to_be_visible()  # the dashboard's charts
    return person, admin


def credit(admin, name: str, amount: str, reason: str) -> None:
    admin.click("nav >> text=Users")
    admin.fill("input[name=q]", name)
    admin.click("form.filters button")
    admin.locator("table a").first.click()
    admin.fill("input[name=amount]", amount)
    admin.fill("form[aria-label='Adjust the balance'] input[name=reason]", reason)
    admin.click("form[aria-label='Adjust the balance'] button")
    expect(admin.locator(".done")).to_have_text("The balance was adjusted.")


def test_an_operator_credits_and_blocks_a_user_and_reads_it_in_the_audit_log(sandbox, page):
    person, admin = open_panel(sandbox, page, "Alice")
    credit(admin, "Alice", "15.00", "welcome credit")
    expect(admin.locator("#balance")).to_have_text("$15.00")

    person.say("/balance")
    person.sees(re.compile(r"Balance: \$15\.00"))

    admin.fill("form[aria-label='Block'] input[name=reason]", "chargeback")
    admin.check("input[name=confirm]")
    admin.click("form[aria-label='Block'] button")
    expect(admin.locator(".done")).to_have_text("The user was blocked and told in the bot.")
    person.sees("Your account has been blocked")

    admin.click("nav >> text=Audit log")
    rows = admin.locator("tbody tr")
    expect(rows.filter(has_text="balance_adjustment")).to_contain_text("welcome credit")
    expect(rows.filter(has_text="block").first).to_contain_text("chargeback")


def rate_prices(page) -> list[str]:
    buttons = page.locator(".message.bot").last.locator(".inline-button")
    expect(buttons.first).to_contain_text("$", timeout=30_000)
    return [MONEY.search(text).group() for text in buttons.all_inner_texts() if "$" in text]


def test_a_markup_change_prices_the_next_quote_and_the_label_is_found_and_downloaded(
    sandbox, page
):
    person, admin = open_panel(sandbox, page, "Bob")
    credit(admin, "Bob", "200.00", "prepaid by invoice")
    person.say("/new")
    person.say(SENDER)
    person.press("✅ Correct")
    person.say(RECIPIENT)
    person.press("✅ Correct")
    person.say("2.5 lb")
    person.button("Medium box").click()
    person.press("💲 Show rates")
    before = rate_prices(page)

    admin.click("nav >> text=Settings")
    admin.fill("#markup_percent", "60")
    admin.fill("#reason", "peak season")
    admin.click("text=Save settings")
    expect(admin.locator(".done")).to_have_text("The settings were saved.")

    person.press("🔁 Refresh")
    expect(page.locator(".message.bot").last).not_to_contain_text(before[0], timeout=30_000)
    after = rate_prices(page)
    assert len(after) == len(before) and after != before

    page.locator(".message.bot").last.locator(".inline-button").first.click()
    person.button(re.compile(r"Pay .* from balance")).click()
    label = page.locator(".document-link").last
    expect(label).to_have_text(re.compile(r"^\w+\.pdf$"), timeout=60_000)
    tracking = label.inner_text().removesuffix(".pdf")

    admin.click("nav >> text=Orders")
    admin.fill("input[name=q]", tracking)
    admin.click("form.filters button")
    admin.locator("tbody tr td:first-child a").first.click()
    expect(admin.locator("main")).to_contain_text(tracking)
    link = admin.locator("a[href$='label.pdf']").get_attribute("href")
    download = admin.request.get(sandbox.url + link)
    assert download.ok and download.body().startswith(b"%PDF")

    admin.click("nav >> text=Audit log")
    rows = admin.locator("tbody tr")
    expect(rows.filter(has_text="settings_change").first).to_contain_text("peak season")
