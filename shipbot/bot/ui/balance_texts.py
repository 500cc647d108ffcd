"""What the balance and top-up screens say (SPEC §3.4)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui import dates
from shipbot.db.models import Invoice
from shipbot.domain.ledger import EntryKind, PurchaseOutcome, StatementLine
from shipbot.domain.money import TOP_UP_MAX_CENTS, TOP_UP_MIN_CENTS, format_usd
from shipbot.domain.payments import still_due
from shipbot.providers.payments.base import PaymentStatus


def _kind(kind: str) -> str:
    return {
        EntryKind.TOP_UP: _("Top-up"),
        EntryKind.REFUND: _("Refund"),
        EntryKind.ADJUSTMENT: _("Adjustment"),
    }.get(kind, kind)


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + format_usd(cents)


def statement_line(line: StatementLine) -> str:
    when = dates.moment(line.at)
    if line.outcome is None:
        return f"{when} · {_kind(line.kind)} · {_signed(line.amount_cents)}"
    label = _("Label {order}").format(order=escape(line.reference))
    if line.outcome is PurchaseOutcome.CANCELLED:
        return f"{when} · {label} · " + _("cancelled, nothing charged")
    if line.outcome is PurchaseOutcome.PENDING:
        return f"{when} · {label} · {_signed(line.amount_cents)} " + _("(being bought)")
    return f"{when} · {label} · {_signed(line.amount_cents)}"


def balance(balance_cents: int, lines: list[StatementLine]) -> str:
    text = [_("<b>Balance: {amount}</b>").format(amount=format_usd(balance_cents))]
    if lines:
        text.append("\n" + _("Last operations:"))
        text += [statement_line(line) for line in lines]
    else:
        text.append("\n" + _("No operations yet. Top up to buy labels."))
    return "\n".join(text)


def ask_amount() -> str:
    return _(
        "How much would you like to add? Choose an amount or type one from {minimum} to "
        "{maximum}. You pay in crypto through Oxapay."
    ).format(minimum=format_usd(TOP_UP_MIN_CENTS), maximum=format_usd(TOP_UP_MAX_CENTS))


def creating_invoice() -> str:
    return _("⏳ Creating the invoice…")


def payment_unavailable() -> str:
    return _("⚠️ The payment service is not answering right now. Please try again in a minute.")


def payment_refused(reason: str) -> str:
    return _("⚠️ The payment service refused the invoice: {reason}").format(reason=reason)


def pay_button(amount_cents: int) -> str:
    return _("💳 Pay {amount}").format(amount=format_usd(amount_cents))


def invoice(invoice: Invoice) -> str:
    amount = format_usd(invoice.amount_cents)
    status = invoice.status
    if status in (PaymentStatus.PAID, PaymentStatus.MANUAL_ACCEPT):
        return _("✅ Top-up {amount} paid; {credited} credited to your balance.").format(
            amount=amount, credited=format_usd(invoice.credited_cents)
        )
    if status == PaymentStatus.UNDERPAID:
        return _(
            "⚠️ <b>Underpaid by {rest}</b>: received {received} of {amount}, which is "
            "credited to your balance. Pay the remaining {rest} before {expires}."
        ).format(
            rest=format_usd(still_due(invoice.amount_cents, invoice.received_cents)),
            received=format_usd(invoice.received_cents),
            amount=amount,
            expires=dates.moment(invoice.expires_at),
        )
    if status == PaymentStatus.EXPIRED:
        return _("⌛ The invoice for {amount} expired. Nothing was charged.").format(amount=amount)
    return _(
        "<b>Top-up {amount}</b>\nInvoice {invoice}. Pay before {expires}; your balance is "
        "credited as soon as the payment arrives."
    ).format(amount=amount, invoice=invoice.id, expires=dates.moment(invoice.expires_at))


def top_up_news(invoice: Invoice, credited_cents: int, balance_cents: int) -> str | None:
    if not credited_cents:
        return None
    return _("💰 {credited} added to your balance. Balance: {balance}.").format(
        credited=format_usd(credited_cents), balance=format_usd(balance_cents)
    )


def pay_rest_button(amount_cents: int) -> str:
    return _("💳 Pay the remaining {amount}").format(amount=format_usd(amount_cents))
