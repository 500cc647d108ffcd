"""The ShipStation client against ShipStation's published v2 OpenAPI document: every request it
sends fits the document's request schemas, and it reads answers built from the document."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx

from shipbot.domain.address import Address
from shipbot.providers.carriers.base import (
    CarrierAccount,
    CarrierService,
    Rate,
    Shipment,
    UnknownCarrierError,
)
from shipbot.providers.carriers.shipstation import _TRACKING_STATUS, ShipStationCarrier
from tests.unit.providers import shipstation_fixtures as fx
from tests.unit.providers import shipstation_openapi as openapi
from tests.unit.providers.test_shipstation import SHIPMENT

DOWNLOAD = f"{fx.API}/downloads/10/se-28529731/label.pdf"  # the document's download operation
# The service of the document's example label, so that the example is a label of this rate.
EXAMPLE_RATE = Rate(
    "se-28529731",
    CarrierService("se-1234567", "dhl_express", "DHL", "usps_first_class_mail", "First Class"),
    shipping_cents=1200,
)


def in_dollars(data: Any) -> Any:
    """The document gives no example currency: its examples, billed in US dollars."""
    if isinstance(data, dict):
        return {k: "usd" if k == "currency" else in_dollars(v) for k, v in data.items()}
    return [in_dollars(v) for v in data] if isinstance(data, list) else data


def label_example(**changes: Any) -> dict[str, Any]:
    label = openapi.response_example("POST", "/v2/labels/rates/se-28529731")
    return {**label, "label_download": {**label["label_download"], "pdf": DOWNLOAD}, **changes}


def labels_example(*labels: dict[str, Any]) -> dict[str, Any]:
    listed = openapi.response_example("GET", "/v2/labels")
    return {**listed, "labels": list(labels), "total": len(labels), "pages": 1}  # one page


def answers() -> dict[tuple[str, str], Any]:
    """The document's example answer to each operation the client uses, by path template."""
    example = openapi.response_example
    return {
        ("GET", "/v2/carriers"): example("GET", "/v2/carriers"),
        ("POST", "/v2/rates"): in_dollars(example("POST", "/v2/rates")),
        ("POST", "/v2/labels/rates/{rate_id}"): label_example(),
        ("GET", "/v2/labels"): labels_example(label_example(voided=False, voided_at=None)),
        ("PUT", "/v2/labels/{label_id}/void"): example("PUT", "/v2/labels/se-1/void"),
        ("GET", "/v2/labels/{label_id}/track"): example("GET", "/v2/labels/se-1/track"),
    }


class Document:
    """A mock ShipStation that answers from the document and checks every request against it."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.called: list[str] = []
        self.problems: list[str] = []
        self.router = respx.MockRouter(assert_all_mocked=True)
        self.router.route().mock(side_effect=self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.problems += openapi.request_problems(request)
        template, _, _ = openapi.operation(request.method, request.url.path)
        self.called.append(f"{request.method} {template}")
        if template == "/v2/downloads/{dir}/{subdir}/{filename}":
            return httpx.Response(200, content=fx.PDF, headers={"content-type": "application/pdf"})
        answer = self.answers[(request.method, template)]
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)


@pytest.fixture
async def document_api():
    api = Document(answers())
    carrier = ShipStationCarrier(
        fx.KEY,
        shipper_phone=fx.SHIPPER_PHONE,
        transport=httpx.MockTransport(api.router.async_handler),
    )
    yield api, carrier
    await carrier.close()


def test_the_vendored_document_is_the_published_one() -> None:
    source, commit, published = openapi.DOCUMENT.read_bytes().split(b"\n", 2)
    assert b"github.com/shipstation/mcp-shipstation-api" in source
    assert b"ce1637faff44b9e6b2fb2a4f244eef1f849d57e3" in commit
    blob = hashlib.sha1(b"blob %d\0" % len(published) + published).hexdigest()  # git's object id
    assert blob == "76dbb1b7d8e858a5439e8a4a41a51ca008b1489e"


@pytest.mark.parametrize(("operation", "answer"), list(answers().items()), ids=str)
def test_the_mocked_answers_fit_the_document(operation, answer) -> None:
    method, template = operation
    path = template.replace("{rate_id}", "se-1").replace("{label_id}", "se-1")
    assert openapi.response_problems(method, path, 200, answer) == []


async def test_every_request_the_client_sends_fits_the_document(document_api) -> None:
    api, carrier = document_api
    no_phones = Shipment(
        Address("Ann Sender", "1 Elm St", "Reno", "NV", "89501"),
        Address("Bob Doe", "350 5th Ave", "New York", "NY", "10118"),
        SHIPMENT.ounces,
        SHIPMENT.dimensions,
    )

    await carrier.quote(SHIPMENT)
    await carrier.quote(no_phones)
    await carrier.check_recipient(SHIPMENT)  # validate_address in the rates request
    await carrier.buy_label(EXAMPLE_RATE, SHIPMENT)
    await carrier.find_label(EXAMPLE_RATE, SHIPMENT)
    await carrier.void_label("se-123456")
    await carrier.track("se-123456")

    assert api.problems == []
    assert set(api.called) == {
        "GET /v2/carriers",
        "POST /v2/rates",
        "POST /v2/labels/rates/{rate_id}",
        "GET /v2/downloads/{dir}/{subdir}/{filename}",
        "GET /v2/labels",
        "PUT /v2/labels/{label_id}/void",
        "GET /v2/labels/{label_id}/track",
    }


DROP = object()


def changed(request: httpx.Request, path: tuple[str | int, ...], value: Any) -> httpx.Request:
    """The request with the body's field at `path` set to `value`, or dropped."""
    body = json.loads(request.content)
    node = body
    for key in path[:-1]:
        node = node[key]
    if value is DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return httpx.Request(request.method, request.url, json=body)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("shipment", "ship_to", "phone"), DROP, "'phone' is a required property"),
        (("shipment", "ship_to", "phone"), "", "should be non-empty"),
        (("shipment", "carrier_id"), DROP, "'carrier_id' is a required property"),
        (("shipment", "ship_from"), DROP, "'ship_from' is a required property"),
        (("shipment", "ship_to", "fax"), "x", "'fax' was unexpected"),
        (("shipment", "shipment_id"), "se-1", "'shipment_id' was unexpected"),  # read-only
        (("shipment", "packages", 0, "weight", "unit"), "kg", "'kg' is not one of"),
        (("rate_options", "rush"), True, "'rush' was unexpected"),
    ],
)
async def test_a_rates_request_the_document_refuses_is_caught(document_api, path, value, problem):
    api, carrier = document_api
    await carrier.quote(SHIPMENT)
    (sent,) = [c.request for c in api.router.calls if c.request.url.path == "/v2/rates"]
    assert openapi.request_problems(sent) == []

    found = openapi.request_problems(changed(sent, path, value))

    assert any(problem in p for p in found), found


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("label_layout",), "4x5", "'4x5' is not one of"),
        (("test_label",), True, "'test_label' was unexpected"),
    ],
)
async def test_a_label_request_the_document_refuses_is_caught(document_api, path, value, problem):
    api, carrier = document_api
    await carrier.buy_label(EXAMPLE_RATE, SHIPMENT)
    (sent,) = [c.request for c in api.router.calls if c.request.method == "POST"]
    assert openapi.request_problems(sent) == []

    found = openapi.request_problems(changed(sent, path, value))

    assert any(problem in p for p in found), found


def test_undocumented_queries_and_operations_are_caught() -> None:
    listing = httpx.Request("GET", f"{fx.API}/labels", params={"order_id": "X7K2M9QP"})
    assert openapi.request_problems(listing) == ["GET /v2/labels: no query parameter 'order_id'"]
    with pytest.raises(AssertionError, match="not an operation"):
        openapi.request_problems(httpx.Request("DELETE", f"{fx.API}/labels/se-1"))


# --- the document's answers, read --------------------------------------------------------------


async def test_the_documents_carriers_are_read(document_api) -> None:
    _, carrier = document_api

    assert await carrier.list_services() == [
        CarrierService(
            "se-8412", "dhl_express", "Stamps.com", "usps_media_mail", "USPS First Class Mail"
        )
    ]


async def test_the_carrier_accounts_request_fits_and_the_documents_answer_is_read(
    document_api,
) -> None:
    api, carrier = document_api

    accounts = await carrier.list_carrier_accounts()
    again = await carrier.list_carrier_accounts()

    assert api.problems == []
    assert api.called == ["GET /v2/carriers"] * 2  # asked each time: balances change
    # The document's balance is a bare number, 3799.52; its nickname names the account.
    assert (
        accounts
        == again
        == [CarrierAccount("se-8412", "dhl_express", "ShipStation Account - Stamps.com", 3799_52)]
    )


def carriers_answer(**changes: Any) -> dict[str, Any]:
    """The document's carrier list, its one carrier changed (a field set to DROP is left out)."""
    listed = openapi.response_example("GET", "/v2/carriers")
    (example,) = listed["carriers"]
    account = {k: v for k, v in {**example, **changes}.items() if v is not DROP}
    return {**listed, "carriers": [account]}


@pytest.mark.parametrize(
    ("changes", "name", "balance"),
    [
        # Billed by the carrier: its balance of 0 is no balance at all.
        ({"requires_funded_amount": False, "balance": 0}, "ShipStation Account - Stamps.com", None),
        ({"balance": DROP}, "ShipStation Account - Stamps.com", None),
        ({"balance": 0.5, "nickname": DROP}, "Stamps.com", 50),
        ({"balance": 12, "nickname": DROP, "friendly_name": DROP}, "DHL_EXPRESS", 12_00),
    ],
    ids=["billed", "no-balance", "fifty-cents", "no-names"],
)
async def test_the_documents_variants_of_an_account_are_read(
    document_api, changes, name, balance
) -> None:
    api, carrier = document_api
    answer = carriers_answer(**changes)
    assert openapi.response_problems("GET", "/v2/carriers", 200, answer) == []
    api.answers[("GET", "/v2/carriers")] = answer

    (account,) = await carrier.list_carrier_accounts()

    assert (account.name, account.balance_cents) == (name, balance)


@pytest.mark.parametrize(
    ("balance", "cents"),
    [({"currency": "usd", "amount": 18.4}, 18_40), ({"currency": "eur", "amount": 18.4}, None)],
)
async def test_a_balance_sent_as_a_money_object_is_read_in_dollars_only(
    document_api, balance, cents
) -> None:
    # Not the document's type for `balance` (a number), but a monetary_value elsewhere in it.
    api, carrier = document_api
    api.answers[("GET", "/v2/carriers")] = carriers_answer(balance=balance)

    (account,) = await carrier.list_carrier_accounts()

    assert account.balance_cents == cents


async def test_the_documents_rates_answer_gives_the_checked_recipient(document_api) -> None:
    api, carrier = document_api
    example_ship_to = api.answers[("POST", "/v2/rates")]["ship_to"]

    checked = await carrier.check_recipient(SHIPMENT)

    assert checked.address.street1 == example_ship_to["address_line1"]
    assert checked.address.zip == example_ship_to["postal_code"]
    assert checked.address.name == SHIPMENT.ship_to.name  # the name stays the user's


async def test_the_documents_rates_are_read(document_api) -> None:
    _, carrier = document_api

    (rate,) = await carrier.quote(SHIPMENT)  # its errors[] beside a rate: a partial answer

    assert rate.rate_id == "se-28529731"
    assert (rate.shipping_cents, rate.insurance_cents, rate.confirmation_cents) == (1200,) * 3
    assert (rate.other_cents, rate.total_cents) == (1200, 4800)
    assert (rate.delivery_days, rate.estimated_delivery) == (5, date(2024, 12, 23))
    assert rate.service == CarrierService(
        "se-1234567", "stamps_com", "free", "usps_priority_mail_express", "next_day"
    )


async def test_the_documents_label_is_read(document_api) -> None:
    _, carrier = document_api

    label = await carrier.buy_label(EXAMPLE_RATE, SHIPMENT)

    assert (label.label_id, label.tracking_number) == ("se-123456", "782758401696")
    assert (label.cost_cents, label.pdf) == (1200 + 1200, fx.PDF)


async def test_the_documents_label_list_is_read(document_api) -> None:
    api, carrier = document_api

    assert (await carrier.find_label(EXAMPLE_RATE, SHIPMENT)).label_id == "se-123456"

    # The document's example label is voided: no sale, so nothing to capture.
    api.answers[("GET", "/v2/labels")] = labels_example(label_example())
    assert label_example()["voided"] is True
    assert await carrier.find_label(EXAMPLE_RATE, SHIPMENT) is None


async def test_the_documents_void_is_read(document_api) -> None:
    _, carrier = document_api

    result = await carrier.void_label("se-123456")

    assert (result.approved, result.message) == (
        False,
        "Unable to delete FedEx shipment. Unable to retrieve record from database.",
    )


async def test_the_documents_tracking_is_read(document_api) -> None:
    _, carrier = document_api

    tracking = await carrier.track("se-123456")

    # status_detail_code DELIVERED (its status_code, COLLECTION_FAILED, is the broader one)
    assert (tracking.status, tracking.status_description) == ("delivered", "Delivered")
    assert tracking.tracking_number == "1Z932R800392060079"
    assert tracking.estimated_delivery == date(2018, 9, 23)
    (event,) = tracking.events
    assert event.occurred_at == datetime(2018, 9, 23, 15, tzinfo=UTC)
    assert (event.description, event.city, event.state) == (
        "Delivered, In/At Mailbox",
        "AUSTIN",
        "TX",
    )


async def test_the_documents_error_is_read(document_api) -> None:
    api, carrier = document_api
    error = openapi.response_example("GET", "/v2/labels/se-1/track", 400)
    assert openapi.response_problems("GET", "/v2/labels/se-1/track", 400, error) == []
    api.answers[("GET", "/v2/labels/{label_id}/track")] = httpx.Response(400, json=error)

    with pytest.raises(UnknownCarrierError, match="Body of request cannot be null"):
        await carrier.track("se-1")


def test_every_tracking_code_of_the_document_has_a_status() -> None:
    schema = openapi.document()["components"]["schemas"]["tracking_status_detail_code"]

    assert set(schema["enum"]) - set(_TRACKING_STATUS) == set()
    assert set(_TRACKING_STATUS.values()) == {
        "label_created",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "exception",
    }


# --- our hand-written fixtures follow the document ----------------------------------------------


# The document describes an error body for 400 and 404 only (its 500 is empty): the envelopes
# of the other statuses are checked as that body.
@pytest.mark.parametrize(
    ("method", "path", "status", "answer"),
    [
        ("POST", "/v2/labels/rates/se-1", 200, fx.LABEL),
        ("GET", "/v2/labels", 200, fx.labels_page(fx.LABEL)),
        ("GET", "/v2/labels", 200, fx.labels_page()),
        ("PUT", "/v2/labels/se-1/void", 200, fx.VOID_APPROVED),
        ("PUT", "/v2/labels/se-1/void", 200, fx.VOID_REFUSED),
        ("GET", "/v2/labels/se-1/track", 200, fx.TRACKING),
        *[
            ("GET", "/v2/labels/se-1/track", 400, error)
            for error in (fx.ERROR_400_ADDRESS, fx.ERROR_400_OTHER, fx.ERROR_404)
        ],
        ("GET", "/v2/carriers", 400, fx.ERROR_401),
        ("GET", "/v2/carriers", 400, fx.ERROR_429),
        ("GET", "/v2/carriers", 400, fx.ERROR_500),
        ("GET", "/v2/carriers", 400, fx.envelope(fx.ADDRESS_ERROR, fx.CARRIER_SYSTEM_ERROR)),
        ("GET", "/v2/carriers", 400, fx.envelope(fx.CARRIER_DISCONNECTED)),
    ],
)
def test_the_fixtures_fit_the_document(method, path, status, answer) -> None:
    assert openapi.response_problems(method, path, status, json.loads(fx.as_json(answer))) == []


def test_an_error_with_a_field_name_does_not_fit_the_document() -> None:
    # What the client used to read: the document's error object has no such field.
    error = copy.deepcopy(fx.ERROR_400_OTHER)
    error["errors"][0]["field_name"] = "shipment.ship_to.postal_code"

    problems = openapi.response_problems("GET", "/v2/carriers", 400, error)

    assert problems == [
        "errors/0: Additional properties are not allowed ('field_name' was unexpected)"
    ]
