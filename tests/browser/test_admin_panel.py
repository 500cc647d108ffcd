"""The operator's side in Chromium over the real sandbox server (SPEC §4): log in with the
sandbox admin's printed password, read the dashboard's charts, find a user, credit their
balance (the user's /balance in the web chat shows it), block them (the bot tells them), and
read each action back in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_buy_and_refund import Person, Words

pytestmark = pytest.mark.browser


def admin_password(sandbox) -> str:
    found = re.search(r"admin panel \S+/admin \(user sandbox, password (\S+)\)", sandbox.log())
    assert found, sandbox.log()
    return found.group(1)


def test_an_operator_credits_and_blocks_a_user_and_reads_it_in_the_audit_log(sandbox, page):
    person = Person(page, Words("en"))
    page.goto(sandbox.url + "/sandbox")
    page.fill("#new-user-name", "Alice")
    page.click("#create-user")
    person.say("/start")
    person.sees("Hello, Alice!")

    with page.context.expect_page() as opened:
        page.click("a.admin-link")
    admin = opened.value
    admin.wait_for_load_state()
    expect(admin).to_have_url(re.compile(r"/admin/login$"))
    admin.fill("input[name=username]", "sandbox")
    admin.fill("input[name=password]", admin_password(sandbox))
    admin.click("button[type=submit]")
    expect(admin.locator("svg").first).to_be_visible()  # the dashboard's charts

    admin.click("nav >> text=Users")
    admin.fill("input[name=q]", "Alice")
    admin.click("form.filters button")
    admin.locator("table a").first.click()
    admin.fill("input[name=amount]", "15.00")
    admin.fill("form[aria-label='Adjust the balance'] input[name=reason]", "welcome credit")
    admin.click("form[aria-label='Adjust the balance'] button")
    expect(admin.locator(".done")).to_have_text("The balance was adjusted.")
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
