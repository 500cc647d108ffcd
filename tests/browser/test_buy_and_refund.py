"""End to end in the sandbox (SPEC §3.3–§3.5), as a person does it in Chromium: start a label
with no money, top up the shortfall on the sandbox payment page, come back to the order and pay
for it, receive the label PDF, void it for a refund, and find the balance restored — in English
and in Russian. Button labels come from the bot's own catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.support.dialogue import RECIPIENT, SENDER

pytestmark = pytest.mark.browser

LOCALES = Path(__file__).parents[2] / "shipbot" / "bot" / "ui" / "locales"
MONEY = re.compile(r"\$[\d,]+\.\d\d")


class Words:
    """The bot's words in one language: English msgids, translated through the catalog."""

    def __init__(self, locale: str) -> None:
        with open(LOCALES / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
            catalog = read_po(po)
        self.locale = locale
        self.strings = {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}

    def __call__(self, msgid: str) -> str:
        if self.locale == "en":
            return msgid
        translated = self.strings[msgid]
        assert translated and translated != msgid, f"{msgid!r} is not translated"
        return translated

    def pattern(self, msgid: str) -> re.Pattern:
        """A message with placeholders, any values in them, to find it on screen."""
        fixed = re.split(r"\{\w+\}", self(msgid))
        return re.compile(".+?".join(re.escape(part) for part in fixed))


class Person:
    def __init__(self, page: Page, words: Words) -> None:
        self.page = page
        self.words = words

    def say(self, text: str) -> None:
        self.page.fill("#message-input", text)
        self.page.click("#send")

    def button(self, text: str | re.Pattern):
        """A button of the live prompt; older prompts have no buttons left (G4)."""
        button = self.page.locator(".inline-button", has_text=text)
        expect(button).to_have_count(1, timeout=30_000)
        return button

    def press(self, msgid: str) -> None:
        self.button(self.words(msgid)).click()

    def sees(self, text: str | re.Pattern):
        message = self.page.locator(".message.bot", has_text=text).last
        expect(message).to_be_visible(timeout=30_000)
        return message


@pytest.mark.parametrize(("locale", "name"), [("en", "Alice"), ("ru", "Иван")])
def test_top_up_buy_a_label_and_get_the_money_back(sandbox, page, tmp_path, locale, name):
    words = Words(locale)
    person = Person(page, words)
    page.goto(sandbox.url + "/sandbox")
    page.fill("#new-user-name", name)
    page.select_option("#new-user-lang", locale)
    page.click("#create-user")

    # The shipment, pasted: two addresses, a weight, a box.
    person.say("/new")
    person.say(SENDER)
    person.press("✅ Correct")
    person.say(RECIPIENT)
    person.press("✅ Correct")
    person.say("2.5 lb")
    person.button(words("Medium box")).click()
    person.press("💲 Show rates")
    first_rate = page.locator(".message.bot").last.locator(".inline-button").first
    expect(first_rate).to_contain_text("$", timeout=30_000)
    first_rate.click()

    # No balance yet: the payment screen offers the shortfall as a top-up.
    top_up = person.button(words.pattern("➕ Top up {amount}"))
    top_up_amount = MONEY.search(top_up.inner_text()).group()
    top_up.click()
    with page.context.expect_page() as opened:
        person.button(words.pattern("💳 Pay {amount}")).click()
    payment_page = opened.value
    payment_page.wait_for_load_state()
    expect(payment_page.locator("h1")).to_have_text(top_up_amount)
    payment_page.click("#pay")
    expect(payment_page.locator("#status")).to_have_text("Paid", timeout=30_000)
    payment_page.close()

    # Credited: the invoice message becomes the order's payment screen again.
    person.sees(words.pattern("💰 {credited} added to your balance. Balance: {balance}."))
    person.button(words.pattern("💳 Pay {price} from balance")).click()

    label = page.locator(".document-link").last
    expect(label).to_have_text(re.compile(r"^\w+\.pdf$"), timeout=60_000)
    pdf = page.request.get(label.evaluate("link => link.href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    tracking = label.inner_text().removesuffix(".pdf")
    person.sees(tracking)  # the caption names the tracking number

    # My orders → the order → refund, confirmed.
    person.say("/orders")
    order = page.locator(".message.bot").last.locator(".inline-button").first
    expect(order).to_contain_text("·", timeout=30_000)
    order.click()
    person.press("↩️ Request refund")
    person.press("↩️ Yes, void the label")
    person.sees(words.pattern("↩️ Refund approved: {amount} is back on your balance."))

    person.say("/balance")
    balance = words("<b>Balance: {amount}</b>").format(amount=top_up_amount)
    person.sees(re.sub(r"</?b>", "", balance))
    page.screenshot(path=str(tmp_path / f"refunded-{locale}.png"))
