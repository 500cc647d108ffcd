"""Contract tests for the Oxapay v1 payment provider and the callback signature, on respx mocks
of the documented JSON (see oxapay_fixtures)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipbot.domain.payments import MAX_CENTS
from shipbot.providers.payments import signing
from shipbot.providers.payments.base import (
    InvoiceRequest,
    InvoiceState,
    PaymentError,
    PaymentProvider,
    PaymentRejected,
    PaymentStatus,
    PaymentUnavailable,
)
from shipbot.providers.payments.oxapay import OxapayPayments
from tests.unit.providers import oxapay_fixtures as fx

INVOICE_URL = f"{fx.API}/payment/invoice"
STATE_URL = f"{fx.API}/payment/{fx.TRACK_ID}"
REQUEST = InvoiceRequest(
    order_id="inv-42",
    amount_cents=1234,
    callback_url="https://bot.example.com/api/payments/oxapay/callback",
    return_url="https://t.me/shipbot",
    description="Balance top-up $12.34",
)


def reply(data: dict, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=fx.as_json(data), headers={"content-type": "application/json"}
    )


def signed(data: dict) -> tuple[bytes, str]:
    body = fx.as_json(data)
    return body, hmac.new(fx.KEY.encode(), body, hashlib.sha512).hexdigest()


@pytest.fixture
def router():
    return respx.MockRouter(assert_all_called=False, assert_all_mocked=True)


@pytest.fixture
async def oxapay(router):
    provider = OxapayPayments(fx.KEY, transport=httpx.MockTransport(router.async_handler))
    yield provider
    await provider.close()


@pytest.fixture
def create_route(router):
    return router.post(INVOICE_URL).mock(return_value=reply(fx.INVOICE_CREATED))


async def test_implements_the_provider_protocol() -> None:
    provider: PaymentProvider = OxapayPayments(fx.KEY)  # checked by the type checker
    await provider.close()


@pytest.mark.parametrize(
    ("key", "coverage"), [("", 0), ("   ", 0), (fx.KEY, -1), (fx.KEY, Decimal("60.01"))]
)
def test_refuses_an_empty_key_or_a_coverage_outside_0_to_60(key, coverage) -> None:
    with pytest.raises(ValueError):
        OxapayPayments(key, under_paid_coverage=coverage)


# --- create invoice -----------------------------------------------------------------------------


async def test_create_invoice_sends_the_documented_body_and_header(oxapay, create_route) -> None:
    await oxapay.create_invoice(REQUEST)

    request = create_route.calls.last.request
    assert request.method == "POST" and request.url == INVOICE_URL
    assert request.headers["merchant_api_key"] == fx.KEY
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content, parse_float=Decimal)
    assert body.pop("amount") == Decimal("12.34")  # the exact number, from 1234 cents
    assert body.pop("currency") == "USD"
    assert body.pop("lifetime") == 60
    assert body.pop("fee_paid_by_payer") == 0  # defaults: we absorb the fee...
    assert body.pop("under_paid_coverage") == 0  # ...and a short payment is "underpaid"
    assert body.pop("callback_url") == "https://bot.example.com/api/payments/oxapay/callback"
    assert body.pop("return_url") == "https://t.me/shipbot"
    assert body.pop("order_id") == "inv-42"
    assert body.pop("description") == "Balance top-up $12.34"
    assert body.pop("sandbox") is False
    assert body == {}  # nothing else: no key in the body


async def test_create_invoice_reads_track_id_link_and_expiry(oxapay, create_route) -> None:
    invoice = await oxapay.create_invoice(REQUEST)

    assert invoice.track_id == fx.TRACK_ID
    assert invoice.payment_url == f"https://pay.oxapay.com/13355581/{fx.TRACK_ID}"
    assert invoice.expires_at == datetime(2024, 12, 18, 18, 29, 49, tzinfo=UTC)
    assert invoice.expires_at.utcoffset() is not None


@pytest.mark.parametrize(("cents", "text"), [(1234, "12.34"), (1000, "10"), (1, "0.01")])
async def test_amount_is_a_json_number_with_exactly_the_cents(oxapay, create_route, cents, text):
    await oxapay.create_invoice(InvoiceRequest("inv-1", cents, "https://cb.example.com"))

    sent = create_route.calls.last.request.content.decode()
    assert re.search(rf'"amount": ?{re.escape(text)}[,}}]', sent), sent  # digits, not 12.3399..


@pytest.mark.parametrize(("minutes", "sent"), [(5, 15), (15, 15), (2880, 2880), (10_000, 2880)])
async def test_lifetime_is_clamped_to_oxapays_range(oxapay, create_route, minutes, sent) -> None:
    request = InvoiceRequest("inv-1", 1000, "https://cb.example.com", lifetime_minutes=minutes)
    await oxapay.create_invoice(request)

    assert json.loads(create_route.calls.last.request.content)["lifetime"] == sent


async def test_constructor_options_reach_the_body(router, create_route) -> None:
    transport = httpx.MockTransport(router.async_handler)
    options = {"fee_paid_by_payer": True, "under_paid_coverage": Decimal("2.5"), "sandbox": True}
    provider = OxapayPayments(fx.KEY, transport=transport, **options)
    await provider.create_invoice(InvoiceRequest("inv-1", 2500, "https://cb.example.com"))
    await provider.close()

    body = json.loads(create_route.calls.last.request.content, parse_float=Decimal)
    assert (body["fee_paid_by_payer"], body["under_paid_coverage"], body["sandbox"]) == (
        1,
        Decimal("2.5"),
        True,
    )
    assert "return_url" not in body and "description" not in body  # not sent when empty


async def test_a_non_positive_amount_is_refused_before_any_call(oxapay, create_route) -> None:
    with pytest.raises(ValueError):
        await oxapay.create_invoice(InvoiceRequest("inv-1", 0, "https://cb.example.com"))
    assert not create_route.called


async def test_an_answer_without_expiry_is_unavailable(oxapay, router) -> None:
    data = {k: v for k, v in fx.INVOICE_CREATED["data"].items() if k != "expired_at"}
    router.post(INVOICE_URL).mock(return_value=reply(fx.envelope(data)))

    with pytest.raises(PaymentUnavailable):
        await oxapay.create_invoice(REQUEST)


# --- status lookup ------------------------------------------------------------------------------


async def test_paid_invoice_state(oxapay, router) -> None:
    route = router.get(STATE_URL).mock(return_value=reply(fx.envelope(fx.payment("paid"))))

    state = await oxapay.invoice_state(fx.TRACK_ID)

    assert route.calls.last.request.headers["merchant_api_key"] == fx.KEY
    # The status answer lists crypto amounts only: `paid` means paid in full.
    assert state == InvoiceState(fx.TRACK_ID, "inv-42", PaymentStatus.PAID, 1500, 1500, "USD")


@pytest.mark.parametrize("status", ["Paid", "PAID", " paid "])
async def test_statuses_compare_case_insensitively(oxapay, router, status) -> None:
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(fx.payment(status))))

    assert (await oxapay.invoice_state(fx.TRACK_ID)).status is PaymentStatus.PAID


async def test_underpaid_state_sums_the_confirmed_values(oxapay, router) -> None:
    txs = [fx.tx("8.005"), fx.tx("3.10"), fx.tx("2.00", status="confirming")]
    data = fx.payment("underpaid", amount=Decimal("15"), txs=txs)
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(data)))

    state = await oxapay.invoice_state(fx.TRACK_ID)

    assert state.status is PaymentStatus.UNDERPAID
    assert (state.amount_cents, state.received_cents) == (1500, 1111)  # 11.105 half up


async def test_underpaid_without_a_value_is_not_guessed(oxapay, router) -> None:
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(fx.payment("underpaid"))))

    with pytest.raises(PaymentUnavailable, match="underpayment"):
        await oxapay.invoice_state(fx.TRACK_ID)


async def test_expired_invoice_received_nothing(oxapay, router) -> None:
    data = fx.payment("expired", txs=[])
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(data)))

    state = await oxapay.invoice_state(fx.TRACK_ID)

    assert (state.status, state.amount_cents, state.received_cents) == ("expired", 1500, 0)


async def test_manual_accept_counts_the_whole_amount(oxapay, router) -> None:
    data = fx.payment("manual_accept", txs=[fx.tx("9.50")])
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(data)))

    assert (await oxapay.invoice_state(fx.TRACK_ID)).received_cents == 1500


async def test_an_unknown_status_is_unavailable_not_guessed(oxapay, router) -> None:
    router.get(STATE_URL).mock(return_value=reply(fx.envelope(fx.payment("Confirming"))))

    with pytest.raises(PaymentUnavailable, match="Confirming"):
        await oxapay.invoice_state(fx.TRACK_ID)


async def test_track_id_is_one_path_segment(oxapay, router) -> None:
    route = router.get(f"{fx.API}/payment/a%2Fb").mock(
        return_value=reply(fx.envelope(fx.payment(track_id="a/b")))
    )

    assert (await oxapay.invoice_state("a/b")).track_id == "a/b"
    assert route.called


# --- callbacks ----------------------------------------------------------------------------------


def test_paid_callback(oxapay) -> None:
    body, signature = signed(fx.callback("Paid"))

    assert oxapay.verify_callback(body, signature)
    state = oxapay.parse_callback(body)
    # 9.99996 rounds half up to 10.00; the received POL after fees is not what we credit.
    assert state == InvoiceState(fx.TRACK_ID, "inv-42", PaymentStatus.PAID, 1000, 1000, "USD")


def test_underpaid_callback_counts_confirmed_transactions_only(oxapay) -> None:
    txs = [fx.tx("15.505"), fx.tx("5", status="confirming")]
    state = oxapay.parse_callback(fx.as_json(fx.callback("Underpaid", amount="25", txs=txs)))

    assert state.status is PaymentStatus.UNDERPAID
    assert (state.amount_cents, state.received_cents) == (2500, 1551)


def test_a_payer_paid_fee_is_not_credited(oxapay) -> None:
    # Sandbox-shaped: a $3 invoice, fee paid by the payer, `value` includes that fee.
    data = fx.callback(amount="3", txs=[fx.tx("3.0440897036220003")], fee_paid_by_payer=1)

    assert oxapay.parse_callback(fx.as_json(data)).received_cents == 300


def test_a_callback_without_txs_uses_its_value(oxapay) -> None:
    data = fx.callback(txs=[])
    data["value"] = Decimal("9.5")

    assert oxapay.parse_callback(fx.as_json(data)).received_cents == 950


def _without(field: str) -> bytes:
    return fx.as_json({k: v for k, v in fx.callback().items() if k != field})


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b'{"track_id": "1", "status": "paid", "amount": NaN}', "not valid JSON"),
        (b'["a", "list"]', "not a JSON object"),
        (_without("track_id"), "track_id"),
        (fx.as_json(fx.callback(track_id="  ")), "track_id"),
        (fx.as_json(fx.callback("Settled")), "unknown payment status 'Settled'"),
        (_without("status"), "unknown payment status None"),
        (_without("amount"), "amount is not a number"),
        (fx.as_json(fx.callback(amount="-5")), "amount is not a valid amount"),
        (fx.as_json(fx.callback(type="payout")), "payout"),
    ],
)
def test_malformed_callbacks_raise_a_clear_value_error(oxapay, body, match) -> None:
    with pytest.raises(ValueError, match=match):
        oxapay.parse_callback(body)


def _raw(**fields: str) -> bytes:
    """A callback with some fields replaced by raw JSON text, for numbers no Decimal writes."""
    data = {**fx.callback(), **{name: f"@{name}@" for name in fields}}
    body = fx.as_json(data).decode()
    for name, text in fields.items():
        body = body.replace(f'"@{name}@"', text)
    return body.encode()


_HUGE_TX = '[{"status": "confirmed", "value": 1e400}]'
_TWO_HALVES = '[{"status": "confirmed", "value": 5e16}, {"status": "confirmed", "value": 5e16}]'


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (_raw(amount="1e400"), "amount is beyond any payment"),
        (_raw(amount=str(10**30)), "amount is beyond any payment"),
        (_raw(amount=str(2**63)), "amount is beyond any payment"),  # 64 bits as dollars
        (_raw(amount="1e99999999999999999999"), "not valid JSON .*beyond any amount"),
        (_raw(amount="9" * 5000), "not valid JSON"),  # more digits than int() reads
        (_raw(amount='"NaN"'), "amount is not a valid amount"),
        (_raw(amount='"Infinity"'), "amount is not a valid amount"),
        (_raw(amount='"-Infinity"'), "amount is not a valid amount"),
        (_raw(amount='"sNaN"'), "amount is not a valid amount"),
        (_raw(amount='"1e400"'), "amount is beyond any payment"),
        (_raw(amount='"12 dollars"'), "amount is not a number"),
        (_raw(amount="-Infinity"), "not valid JSON"),
        (_raw(txs=_HUGE_TX), "received amount is beyond any payment"),
        (_raw(txs=_TWO_HALVES), "received amount is beyond any payment"),  # only their sum
        (_raw(txs='[{"status": "confirmed", "value": -1}]'), "txs.value is not a valid amount"),
        (_raw(txs="5"), "txs is not a list"),
        (_raw(txs='"confirmed"'), "txs is not a list"),
        (_raw(txs="[]", value="1e400"), "received amount is beyond any payment"),
        (b'{"a": ' * 100_000 + b"1" + b"}" * 100_000, "not valid JSON .*nested"),
        (_without("currency"), "no currency"),
        (fx.as_json(fx.callback(currency="US Dollar")), "not a currency code"),
        (fx.as_json(fx.callback(currency="X" * 5000)), "'XXXXXXXXXXXXXXXXXXXX' is not a"),
    ],
)
def test_absurd_numbers_are_a_clear_value_error(oxapay, body, match) -> None:
    with pytest.raises(ValueError, match=match):
        oxapay.parse_callback(body)


def test_the_largest_storable_amount_is_read_not_refused(oxapay) -> None:
    # 1e9 dollars is absurd for a top-up but a readable report: services/topups.py holds it.
    state = oxapay.parse_callback(_raw(txs="[]", value="1e9"))
    assert state.received_cents == 100_000_000_000
    top = oxapay.parse_callback(_raw(txs="[]", value="92233720368547758.07"))
    assert top.received_cents == MAX_CENTS


def test_another_currency_is_read_for_the_service_to_hold(oxapay) -> None:
    state = oxapay.parse_callback(fx.as_json(fx.callback(currency="eur")))
    assert (state.currency, state.received_cents) == ("EUR", 1000)


JSON_NUMBERS = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),  # 1E+400, NaN, sNaN, -0
    st.floats().map(json.dumps),
    st.text(max_size=30).map(json.dumps),
    st.sampled_from(["null", "true", "[]", "{}", '"1e400"', '"-0"', "1e-400"]),
)


@given(amount=JSON_NUMBERS, value=JSON_NUMBERS)
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_number_is_read_within_bounds_or_a_value_error(oxapay, amount, value) -> None:
    for body in (_raw(amount=amount, txs=f'[{{"status": "confirmed", "value": {value}}}]'),
                 _raw(amount=amount, txs="[]", value=value)):  # fmt: skip
        try:
            state = oxapay.parse_callback(body)
        except ValueError:
            continue
        assert 0 <= state.amount_cents <= MAX_CENTS
        assert 0 <= state.received_cents <= MAX_CENTS


@pytest.mark.parametrize(
    "amount", ["1e400", str(10**30), "1e99999999999999999999", '"Infinity"', "-5"]
)
async def test_absurd_numbers_in_a_status_answer_are_unavailable(oxapay, router, amount):
    body = fx.as_json(fx.envelope(fx.payment("paid", amount="@amount@"))).decode()
    body = body.replace('"@amount@"', amount)
    router.get(STATE_URL).mock(
        return_value=httpx.Response(200, text=body, headers={"content-type": "application/json"})
    )

    with pytest.raises(PaymentUnavailable):
        await oxapay.invoice_state(fx.TRACK_ID)


def test_verify_callback_refuses_another_keys_signature(oxapay) -> None:
    body = fx.as_json(fx.callback())

    assert not oxapay.verify_callback(body, signing.sign(body, "ANOTHER-merchant"))
    assert not oxapay.verify_callback(body, None)


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "answer", "message"),
    [
        (401, fx.error(401, "Invalid merchant API key", "merchant_api_key"), "Invalid merchant"),
        (400, fx.error(400, "Amount is too low", "amount", "validation"), "Amount is too low"),
        (200, fx.error(400, "Amount is too high", "amount", "validation"), "Amount is too high"),
        (200, {**fx.INVOICE_CREATED, "error": {"message": "Invalid currency"}}, "Invalid currency"),
        (404, {"message": "Not found", "status": 404}, "Not found"),
        (403, {}, "HTTP 403"),
    ],
)
async def test_refusals_carry_oxapays_message(oxapay, router, status, answer, message) -> None:
    router.post(INVOICE_URL).mock(return_value=reply(answer, status))

    with pytest.raises(PaymentRejected, match=message) as caught:
        await oxapay.create_invoice(REQUEST)
    assert caught.value.message == str(caught.value)


async def test_an_unknown_invoice_is_rejected(oxapay, router) -> None:
    answer = fx.error(400, "Invalid trackId", "track_id", "validation")
    router.get(STATE_URL).mock(return_value=reply(answer, 400))

    with pytest.raises(PaymentRejected, match="Invalid trackId"):
        await oxapay.invoice_state(fx.TRACK_ID)


@pytest.mark.parametrize(
    "outcome",
    [
        reply(fx.error(500, "Internal error", kind="server_error"), 500),
        httpx.Response(503, text="<html>Service Unavailable</html>"),
        reply({"message": "Too many requests"}, 429),
        httpx.Response(200, text="<html>not json</html>"),
        reply({"data": [], "message": "", "error": {}, "status": 200}),
        reply(fx.error(500, "Internal error"), 200),
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("connection refused"),
    ],
)
async def test_server_and_network_failures_are_unavailable(oxapay, router, outcome) -> None:
    route = router.post(INVOICE_URL)
    if isinstance(outcome, Exception):
        route.mock(side_effect=outcome)
    else:
        route.mock(return_value=outcome)

    with pytest.raises(PaymentUnavailable) as caught:
        await oxapay.create_invoice(REQUEST)
    assert caught.value.message


async def test_the_merchant_key_never_shows(oxapay, router, create_route, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = fx.error(401, f"Invalid merchant API key {fx.KEY}")
    router.get(STATE_URL).mock(return_value=reply(echoed, 401))
    router.get(f"{fx.API}/payment/2").mock(side_effect=httpx.ReadTimeout("timed out"))

    await oxapay.create_invoice(REQUEST)
    errors: list[PaymentError] = []
    for track_id in (fx.TRACK_ID, "2"):
        with pytest.raises(PaymentError) as caught:
            await oxapay.invoice_state(track_id)
        errors.append(caught.value)

    assert "oxapay POST /payment/invoice -> 200 in" in caplog.text  # method, path, status, ms
    assert f"oxapay GET /payment/{fx.TRACK_ID} -> 401 in" in caplog.text
    assert fx.KEY not in caplog.text
    assert "<redacted>" in errors[0].message  # Oxapay echoing the key does not leak it
    for error in errors:
        for shown in (error, error.__cause__, error.__context__):
            assert fx.KEY not in str(shown) and fx.KEY not in repr(shown)
    assert fx.KEY not in repr(oxapay) and fx.KEY not in str(oxapay)
    assert fx.KEY not in repr(vars(oxapay))


# --- signing ------------------------------------------------------------------------------------

BODY = b'{"track_id":"151811887","status":"Paid","type":"invoice","amount":10}'


def test_sign_is_hex_hmac_sha512_of_the_raw_body() -> None:
    expected = hmac.new(fx.KEY.encode(), BODY, hashlib.sha512).hexdigest()

    assert signing.sign(BODY, fx.KEY) == expected
    assert len(expected) == 128
    assert signing.verify(BODY, fx.KEY, expected)


def test_upper_case_hex_and_surrounding_spaces_are_accepted() -> None:
    signature = signing.sign(BODY, fx.KEY)

    assert signing.verify(BODY, fx.KEY, signature.upper())
    assert signing.verify(BODY, fx.KEY, f" {signature}\n")


def test_a_tampered_body_or_a_wrong_key_fails() -> None:
    signature = signing.sign(BODY, fx.KEY)

    assert not signing.verify(BODY.replace(b"10", b"99"), fx.KEY, signature)
    assert not signing.verify(BODY + b" ", fx.KEY, signature)
    assert not signing.verify(BODY, "TEST-MERCHANT-other", signature)
    assert not signing.verify(BODY, "", signing.sign(BODY, ""))  # no key, no trust


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "   ",
        "deadbeef",
        "z" * 128,
        "é" * 128,
        "0" * 128,
        "sha512=" + "0" * 121,
        b"not a str",
        12345,
    ],
)
def test_missing_empty_or_garbage_headers_fail_without_raising(header) -> None:
    assert signing.verify(BODY, fx.KEY, header) is False


def test_a_truncated_or_extended_signature_fails() -> None:
    signature = signing.sign(BODY, fx.KEY)

    assert not signing.verify(BODY, fx.KEY, signature[:-2])
    assert not signing.verify(BODY, fx.KEY, signature + "00")


def test_verify_never_raises_on_a_body_of_the_wrong_type() -> None:
    assert signing.verify(None, fx.KEY, "0" * 128) is False  # type: ignore[arg-type]
    assert signing.verify("text", fx.KEY, signing.sign(b"text", fx.KEY)) is False  # type: ignore[arg-type]


# --- key check (shipbot doctor) -----------------------------------------------------------------


async def test_accepted_currencies_proves_the_key(oxapay, router) -> None:
    url = INVOICE_URL.rsplit("/", 1)[0] + "/accepted-currencies"
    route = router.get(url).mock(
        return_value=reply({"data": {"list": ["BTC", "USDT"]}, "status": 200, "error": {}})
    )
    assert await oxapay.accepted_currencies() == ["BTC", "USDT"]
    assert route.calls.last.request.headers["merchant_api_key"] == fx.KEY

    route.mock(
        return_value=reply(
            {"data": {}, "status": 401, "error": {"message": "Invalid merchant API key"}}, 401
        )
    )
    with pytest.raises(PaymentRejected, match="Invalid merchant API key"):
        await oxapay.accepted_currencies()
