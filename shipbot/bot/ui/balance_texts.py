"""What the balance and top-up screens say (SPEC §3.4)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui import dates
from shipbot.db.models import Invoice, LedgerEntry
from shipbot.domain.ledger import EntryKind
from shipbot.domain.money import TOP_UP_MAX_CENTS, TOP_UP_MIN_CENTS, format_usd
from shipbot.domain.payments import still_due
from shipbot.providers.payments.base import PaymentStatus


def entry_kind(kind: str) -> str:
    return {
        EntryKind.TOP_UP: _("Top-up"),
        EntryKind.HOLD: _("Reserved for a label"),
        EntryKind.HOLD_RELEASE: _("Reservation released"),
        EntryKind.LABEL_CHARGE: _("Label purchase"),
        EntryKind.REFUND: _("Refund"),
        EntryKind.ADJUSTMENT: _("Adjustment"),
    }.get(kind, kind)


def balance(balance_cents: int, entries: list[LedgerEntry]) -> str:
    lines = [_("<b>Balance: {amount}</b>").format(amount=format_usd(balance_cents))]
    if entries:
        lines.append("\n" + _("Last operations:"))
        lines += [
            f"{dates.moment(entry.created_at)} · {entry_kind(entry.kind)} · "
            f"{'+' if entry.amount_cents > 0 else ''}{format_usd(entry.amount_cents)}"
            for entry in entries
        ]
    else:
        lines.append("\n" + _("No operations yet. Top up to buy labels."))
    return "\n".join(lines)


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
