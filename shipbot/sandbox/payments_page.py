"""The sandbox payment page (SPEC §7): one page per sandbox invoice, whose "Pay", "Pay less" and
"Let expire" buttons settle it and send the signed callback to the bot.

Server-rendered and script-free, so it works in any browser and in plain HTTP tests. Element ids
`#pay`, `#pay-less`, `#expire` and `#status` are for tests.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shipbot.providers.payments.base import PaymentRejected, PaymentStatus
from shipbot.providers.payments.sandbox import (
    NO_ANSWER,
    OUTCOMES,
    SandboxInvoice,
    SandboxPayments,
)

_BUTTONS = (
    ("pay", "pay", "Pay"),
    ("pay_less", "pay-less", "Pay less"),
    ("expire", "expire", "Let expire"),
)
# The page changes when settled: a cached copy would still offer the buttons.
_NO_STORE = {"Cache-Control": "no-store"}
_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem }
.banner { background: #fde68a; border: 2px solid #b45309; padding: .5rem; font-weight: bold;
  text-align: center }
.notice { background: #fee2e2; padding: .5rem }
form { display: inline-block; margin-right: .5rem }
button { font-size: 1rem; padding: .5rem 1rem; cursor: pointer }
"""


def payment_page_router(provider: SandboxPayments) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/sandbox/pay/{track_id}")
    async def payment_page(track_id: str) -> Response:
        try:
            invoice = await provider.invoice(track_id)
        except PaymentRejected:
            return _not_found()
        return _page(invoice)

    @router.post("/sandbox/pay/{track_id}/{outcome}")
    async def settle(track_id: str, outcome: str) -> Response:
        if outcome not in OUTCOMES:
            return _not_found()
        try:
            await provider.settle(track_id, outcome)
        except PaymentRejected:
            return _not_found()
        except ValueError as exc:  # already settled, or paid after its expiry
            invoice = await provider.invoice(track_id)
            return _page(invoice, notice=f"Refused: {exc}.", status_code=409)
        url = f"/sandbox/pay/{quote(track_id, safe='')}"
        return RedirectResponse(url, status_code=303, headers=_NO_STORE)

    return router


def _page(invoice: SandboxInvoice, notice: str = "", status_code: int = 200) -> HTMLResponse:
    amount = _money(invoice.amount_cents)
    rows = [
        f'<p class="notice">{escape(notice)}</p>' if notice else "",
        f"<h1>{escape(amount)}</h1>",
        f"<p>{escape(invoice.description)}</p>" if invoice.description else "",
        f'<p>Status: <strong id="status">{escape(_status(invoice.status))}</strong></p>',
        f"<p>Expires: {invoice.expires_at:%Y-%m-%d %H:%M} UTC</p>",
    ]
    if invoice.settled:
        rows.append(f"<p>{escape(_outcome(invoice))}</p>")
        if invoice.return_url and invoice.return_url.startswith(("http://", "https://")):
            rows.append(f'<p><a href="{escape(invoice.return_url)}">Back to the bot</a></p>')
    else:
        rows.append(_buttons(invoice))
    return HTMLResponse(
        _layout(f"Sandbox invoice {amount}", "\n".join(r for r in rows if r)),
        status_code=status_code,
        headers=_NO_STORE,
    )


def _buttons(invoice: SandboxInvoice) -> str:
    base = f"/sandbox/pay/{quote(invoice.track_id, safe='')}"
    # Past its expiry only the Expired callback is left to send: Oxapay takes no late payment.
    lapsed = invoice.status is PaymentStatus.EXPIRED
    forms = [
        f'<form method="post" action="{escape(f"{base}/{outcome}")}">'
        f'<button id="{element_id}" type="submit">{label}</button></form>'
        for outcome, element_id, label in _BUTTONS
        if not lapsed or outcome == "expire"
    ]
    half = _money(max(invoice.amount_cents // 2, 1))
    hint = f"<p><small>“Pay less” pays {escape(half)}.</small></p>" if not lapsed else ""
    return f"<div>{''.join(forms)}</div>{hint}"


def _outcome(invoice: SandboxInvoice) -> str:
    paid = f"{_money(invoice.received_cents)} of {_money(invoice.amount_cents)} paid."
    if invoice.callback_status is None:
        delivery = "The callback is being sent."
    elif invoice.callback_status == 200:
        delivery = "The bot accepted the callback."
    elif invoice.callback_status == NO_ANSWER:
        delivery = "The bot did not answer the callback; its status poll will see the invoice."
    else:
        delivery = (
            f"The bot refused the callback (HTTP {invoice.callback_status}); "
            "its status poll will see the invoice."
        )
    return f"{paid} {delivery}"


def _not_found() -> HTMLResponse:
    body = "<h1>Unknown invoice</h1><p>The bot made no sandbox invoice with this link.</p>"
    return HTMLResponse(_layout("Unknown invoice", body), status_code=404, headers=_NO_STORE)


def _layout(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        '<p class="banner">SANDBOX — no real money</p>'
        f"{body}</body></html>"
    )


def _status(status: PaymentStatus) -> str:
    return "Waiting for payment" if status is PaymentStatus.WAITING else status.value.capitalize()


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"
