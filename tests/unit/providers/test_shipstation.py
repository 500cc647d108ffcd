"""Contract tests for the ShipStation API v2 provider, on respx mocks of the documented JSON."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
import respx

from shipbot.domain.address import Address
from shipbot.domain.parcel import Dimensions
from shipbot.providers.carriers.base import (
    AuthenticationFailed,
    CarrierError,
    CarrierProvider,
    CarrierService,
    CarrierUnavailable,
    InvalidAddress,
    LabelDownloadFailed,
    NoRates,
    PurchaseStateUnknown,
    Rate,
    RateLimited,
    Shipment,
    UnknownCarrierError,
)
from shipbot.providers.carriers.shipstation import ShipStationCarrier
from tests.unit.providers import shipstation_fixtures as fx

SENDER = Address(
    name="Jane Sender",
    company="Acme Widgets LLC",
    street1="4009 Marathon Blvd",
    street2="Suite 200",
    city="Austin",
    state="TX",
    zip="78756",
    phone="512-555-0100",
)
RECIPIENT = Address(
    name="John Doe", street1="525 S Winchester Blvd", city="San Jose", state="CA", zip="95128"
)
SHIPMENT = Shipment(
    ship_from=SENDER,
    ship_to=RECIPIENT,
    ounces=Decimal("0.1") + Decimal("0.2") + Decimal(32),  # 32.3 oz, exact in Decimal only
    dimensions=Dimensions(Decimal("12.50"), Decimal("8"), Decimal("35.273961949580412")),
)


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def reply(data: dict, status: int = 200, **headers: str) -> httpx.Response:
    headers = {"content-type": "application/json", **headers}
    return httpx.Response(status, content=fx.as_json(data), headers=headers)


@pytest.fixture
def router():
    # assert_all_mocked: a request to anything not mocked below fails the test loudly.
    return respx.MockRouter(assert_all_called=False, assert_all_mocked=True)


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
async def carrier(router, sleep):
    client = ShipStationCarrier(
        fx.KEY,
        shipper_phone=fx.SHIPPER_PHONE,
        transport=httpx.MockTransport(router.async_handler),
        sleep=sleep,
    )
    yield client
    await client.close()


@pytest.fixture
def carriers_route(router):
    return router.get(f"{fx.API}/carriers").mock(return_value=reply(fx.CARRIERS))


def rate_for(rate_id: str = "se-rate-ga") -> Rate:
    service = CarrierService("se-100001", "usps", "USPS", "usps_ground_advantage", "USPS GA")
    return Rate(rate_id=rate_id, service=service, shipping_cents=1234)


async def test_implements_the_provider_protocol() -> None:
    # checked by the type checker
    provider: CarrierProvider = ShipStationCarrier(fx.KEY, shipper_phone=fx.SHIPPER_PHONE)
    await provider.close()


# --- carriers and rates -------------------------------------------------------------------------


async def test_list_services_maps_carriers_and_skips_international_only(carrier, carriers_route):
    services = await carrier.list_services()

    assert services == [
        CarrierService(
            "se-100001", "usps", "USPS", "usps_ground_advantage", "USPS Ground Advantage"
        ),
        CarrierService("se-100001", "usps", "USPS", "usps_priority_mail", "USPS Priority Mail"),
        CarrierService("se-100002", "ups", "UPS", "ups_ground", "UPS® Ground"),
    ]
    request = carriers_route.calls.last.request
    assert request.headers["API-Key"] == fx.KEY


async def test_rates_request_body_field_by_field(carrier, router, carriers_route) -> None:
    rates_route = router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))

    await carrier.quote(SHIPMENT)

    request = rates_route.calls.last.request
    assert request.headers["API-Key"] == fx.KEY
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content, parse_float=Decimal)
    assert body["rate_options"] == {"carrier_ids": ["se-100001", "se-100002"]}
    shipment = body["shipment"]
    # Required by the document, and null: rate_options.carrier_ids chooses the carriers.
    assert (shipment["carrier_id"], shipment["service_code"]) == (None, None)
    assert shipment["ship_from"] == {
        "name": "Jane Sender",
        "company_name": "Acme Widgets LLC",
        "phone": "512-555-0100",
        "address_line1": "4009 Marathon Blvd",
        "address_line2": "Suite 200",
        "city_locality": "Austin",
        "state_province": "TX",
        "postal_code": "78756",
        "country_code": "US",
        "address_residential_indicator": "no",  # a named company: a business address
    }
    assert shipment["ship_to"] == {
        "name": "John Doe",
        "phone": fx.SHIPPER_PHONE,  # the recipient's phone was skipped: ours, never a blank
        "address_line1": "525 S Winchester Blvd",
        "city_locality": "San Jose",
        "state_province": "CA",
        "postal_code": "95128",
        "country_code": "US",
        "address_residential_indicator": "yes",
    }
    assert "company_name" not in shipment["ship_to"]
    assert "address_line2" not in shipment["ship_to"]
    (package,) = shipment["packages"]
    assert package["weight"] == {"value": Decimal("32.3"), "unit": "ounce"}
    # Dimensions sorts its sides; a side with more than two decimals is rounded *up*.
    assert package["dimensions"] == {
        "unit": "inch",
        "length": Decimal("35.28"),
        "width": Decimal("12.5"),
        "height": 8,
    }


async def test_numbers_are_sent_as_json_numbers_without_binary_noise(
    carrier, router, carriers_route
):
    rates_route = router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))

    await carrier.quote(SHIPMENT)

    text = rates_route.calls.last.request.content.decode()
    assert '"value":32.3,' in text.replace(" ", "")
    assert '"height":8}' in text.replace(" ", "")  # an integral side is an integer, not 8.0
    assert "0000000" not in text and "9999999" not in text
    assert '"32.3"' not in text  # numbers, not strings


async def test_residential_indicator_follows_the_shipment(carrier, router, carriers_route):
    rates_route = router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))
    home_sender = Address(name="Ann", street1="1 Elm St", city="Reno", state="NV", zip="89501")
    business = Shipment(home_sender, RECIPIENT, Decimal(16), SHIPMENT.dimensions, residential=False)

    await carrier.quote(business)

    shipment = json.loads(rates_route.calls.last.request.content)["shipment"]
    assert shipment["ship_to"]["address_residential_indicator"] == "no"
    assert shipment["ship_from"]["address_residential_indicator"] == "unknown"
    assert shipment["packages"][0]["weight"] == {"value": 16, "unit": "ounce"}


async def test_rates_parsed_to_exact_cents_in_the_order_returned(carrier, router, carriers_route):
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))

    rates = await carrier.quote(SHIPMENT)

    assert [r.rate_id for r in rates] == ["se-rate-ga", "se-rate-pm", "se-rate-ups"]  # no CAD
    ground, priority, ups = rates
    assert ground.shipping_cents == 1234 and ground.total_cents == 1234
    assert ground.service == CarrierService(
        "se-100001", "usps", "USPS", "usps_ground_advantage", "USPS Ground Advantage"
    )
    assert (ground.delivery_days, ground.estimated_delivery) == (5, date(2025, 6, 14))
    assert priority.shipping_cents == 10
    assert priority.other_cents == 20
    assert priority.confirmation_cents == 268  # 2.675 rounds half up to the cent
    assert priority.insurance_cents == 105
    assert priority.total_cents == 10 + 20 + 268 + 105
    assert priority.estimated_delivery == date(2025, 6, 11)  # the carrier's own calendar day
    assert (ups.shipping_cents, ups.delivery_days, ups.estimated_delivery) == (999, None, None)
    assert ups.service.service_name == "UPS® Ground"


async def test_carriers_are_cached_between_quotes(carrier, router, carriers_route) -> None:
    rates_route = router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))

    await carrier.quote(SHIPMENT)
    await carrier.quote(SHIPMENT)

    assert carriers_route.call_count == 1
    assert rates_route.call_count == 2


async def test_carriers_are_fetched_again_once_the_cache_expires(router, carriers_route, sleep):
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))
    transport = httpx.MockTransport(router.async_handler)
    carrier = ShipStationCarrier(
        fx.KEY, shipper_phone=fx.SHIPPER_PHONE, transport=transport, carriers_ttl=0, sleep=sleep
    )

    await carrier.quote(SHIPMENT)
    await carrier.quote(SHIPMENT)

    assert carriers_route.call_count == 2
    await carrier.close()


async def test_2xx_rates_with_an_address_error_is_invalid_address(carrier, router, carriers_route):
    answer = fx.rates_answer(errors=[fx.ADDRESS_ERROR])
    router.post(f"{fx.API}/rates").mock(return_value=reply(answer))

    with pytest.raises(InvalidAddress) as raised:
        await carrier.quote(SHIPMENT)

    assert raised.value.message == "Ship To: the ZIP code 99999 does not exist."


async def test_2xx_rates_with_another_error_and_no_rates(carrier, router, carriers_route) -> None:
    answer = fx.rates_answer(errors=[fx.CARRIER_DISCONNECTED])
    router.post(f"{fx.API}/rates").mock(return_value=reply(answer))

    with pytest.raises(UnknownCarrierError) as raised:
        await carrier.quote(SHIPMENT)

    assert raised.value.message == fx.CARRIER_DISCONNECTED["message"]


async def test_2xx_rates_with_a_carrier_outage_and_no_rates(carrier, router, carriers_route):
    router.post(f"{fx.API}/rates").mock(
        return_value=reply(fx.rates_answer(errors=[fx.CARRIER_SYSTEM_ERROR]))
    )

    with pytest.raises(CarrierUnavailable, match="UPS did not respond"):
        await carrier.quote(SHIPMENT)


async def test_2xx_rates_with_errors_and_some_rates_returns_the_rates(
    carrier, router, carriers_route
) -> None:
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_PARTIAL))

    rates = await carrier.quote(SHIPMENT)

    assert [r.rate_id for r in rates] == ["se-rate-ups"]


async def test_no_rates_and_no_errors_is_no_rates(carrier, router, carriers_route) -> None:
    invalid = fx.RATES_OK["rate_response"]["invalid_rates"]
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.rates_answer(invalid=invalid)))

    with pytest.raises(NoRates, match="Service not available for this destination"):
        await carrier.quote(SHIPMENT)


async def test_only_foreign_currency_rates_is_no_rates(carrier, router, carriers_route) -> None:
    cad = fx.RATES_OK["rate_response"]["rates"][3]
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.rates_answer(rates=[cad])))

    with pytest.raises(NoRates):
        await carrier.quote(SHIPMENT)


# --- labels -------------------------------------------------------------------------------------


async def test_buy_label_posts_the_label_options_and_downloads_the_pdf(carrier, router) -> None:
    buy = router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(return_value=reply(fx.LABEL))
    pdf = router.get(fx.LABEL_PDF_URL).mock(return_value=httpx.Response(200, content=fx.PDF))

    label = await carrier.buy_label(rate_for(), SHIPMENT)

    assert json.loads(buy.calls.last.request.content) == {
        "label_format": "pdf",
        "label_layout": "4x6",
        "label_download_type": "url",
    }
    assert buy.calls.last.request.headers["API-Key"] == fx.KEY
    assert pdf.call_count == 1
    assert pdf.calls.last.request.headers["API-Key"] == fx.KEY  # the API's own host
    assert label.label_id == "se-label-123456"
    assert label.tracking_number == "9405511899223197428490"
    assert label.cost_cents == 1234 + 105  # shipment_cost + insurance_cost
    assert label.service == rate_for().service
    assert label.pdf == fx.PDF


async def test_the_pdf_from_another_host_is_fetched_without_the_key(carrier, router) -> None:
    storage = "https://labels.example-storage.com/l/123.pdf?sig=abc"
    label = {**fx.LABEL, "label_download": {"pdf": f"{fx.API}/downloads/x.pdf"}}
    router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(return_value=reply(label))
    router.get(f"{fx.API}/downloads/x.pdf").mock(
        return_value=httpx.Response(302, headers={"location": storage})
    )
    pdf = router.get(storage).mock(return_value=httpx.Response(200, content=fx.PDF))

    result = await carrier.buy_label(rate_for(), SHIPMENT)

    assert result.pdf == fx.PDF
    assert "API-Key" not in pdf.calls.last.request.headers


async def test_the_pdf_download_is_retried(carrier, router, sleep) -> None:
    router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(return_value=reply(fx.LABEL))
    pdf = router.get(fx.LABEL_PDF_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=fx.PDF)]
    )

    label = await carrier.buy_label(rate_for(), SHIPMENT)

    assert label.pdf == fx.PDF
    assert pdf.call_count == 2
    assert len(sleep.calls) == 1


async def test_a_bought_label_whose_pdf_fails_says_which_label(carrier, router) -> None:
    router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(return_value=reply(fx.LABEL))
    router.get(fx.LABEL_PDF_URL).mock(return_value=httpx.Response(404))

    with pytest.raises(LabelDownloadFailed) as raised:
        await carrier.buy_label(rate_for(), SHIPMENT)

    assert (raised.value.label_id, raised.value.tracking_number) == (
        "se-label-123456",
        "9405511899223197428490",
    )


async def test_a_purchase_timeout_is_not_retried_and_its_state_is_unknown(
    carrier, router, sleep
) -> None:
    buy = router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(
        side_effect=httpx.ReadTimeout("timed out")
    )

    with pytest.raises(CarrierUnavailable) as raised:
        await carrier.buy_label(rate_for(), SHIPMENT)

    assert isinstance(raised.value, PurchaseStateUnknown)
    assert "unknown" in raised.value.message
    assert buy.call_count == 1
    assert sleep.calls == []


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(500, json=fx.ERROR_500), httpx.Response(200, content=b"<html>oops</html>")],
    ids=["5xx", "unreadable-2xx"],
)
async def test_a_purchase_without_a_clear_answer_is_not_retried(carrier, router, answer) -> None:
    buy = router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(return_value=answer)

    with pytest.raises(PurchaseStateUnknown):
        await carrier.buy_label(rate_for(), SHIPMENT)

    assert buy.call_count == 1


async def test_a_purchase_that_could_not_connect_bought_nothing(carrier, router) -> None:
    buy = router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(
        side_effect=httpx.ConnectError("connection refused")
    )

    with pytest.raises(CarrierUnavailable) as raised:
        await carrier.buy_label(rate_for(), SHIPMENT)

    assert not isinstance(raised.value, PurchaseStateUnknown)
    assert "nothing was bought" in raised.value.message
    assert buy.call_count == 1


async def test_a_rate_limited_purchase_is_not_retried(carrier, router, sleep) -> None:
    buy = router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(
        return_value=reply(fx.ERROR_429, 429, **{"Retry-After": "7"})
    )

    with pytest.raises(RateLimited) as raised:
        await carrier.buy_label(rate_for(), SHIPMENT)

    assert raised.value.retry_after == 7
    assert buy.call_count == 1
    assert sleep.calls == []


async def test_an_expired_rate_is_the_carriers_message(carrier, router) -> None:
    router.post(f"{fx.API}/labels/rates/se-rate-old").mock(
        return_value=reply(fx.ERROR_400_OTHER, 400)
    )

    with pytest.raises(UnknownCarrierError, match="This rate has expired"):
        await carrier.buy_label(rate_for("se-rate-old"), SHIPMENT)


@pytest.mark.parametrize(
    ("answer", "approved", "message"),
    [
        (fx.VOID_APPROVED, True, "Request for refund submitted."),
        (fx.VOID_REFUSED, False, "Unable to void: the label was already used."),
    ],
)
async def test_void(carrier, router, answer, approved, message) -> None:
    route = router.put(f"{fx.API}/labels/se-label-123456/void").mock(return_value=reply(answer))

    result = await carrier.void_label("se-label-123456")

    assert (result.approved, result.message) == (approved, message)
    assert route.calls.last.request.headers["API-Key"] == fx.KEY


async def test_label_ids_cannot_escape_their_path_segment(carrier, router) -> None:
    route = router.put(f"{fx.API}/labels/..%2Fcarriers/void").mock(
        return_value=reply(fx.VOID_REFUSED)
    )

    await carrier.void_label("../carriers")

    assert route.call_count == 1


async def test_tracking_is_parsed_newest_event_first(carrier, router) -> None:
    router.get(f"{fx.API}/labels/se-label-123456/track").mock(return_value=reply(fx.TRACKING))

    tracking = await carrier.track("se-label-123456")

    assert tracking.tracking_number == "9405511899223197428490"
    # IN_TRANSIT, and the carrier says out for delivery
    assert tracking.status == "out_for_delivery"
    assert tracking.status_description == "In Transit"
    assert tracking.estimated_delivery == date(2025, 6, 12)
    assert [e.occurred_at for e in tracking.events] == [
        datetime(2025, 6, 12, 7, 10, tzinfo=UTC),
        datetime(2025, 6, 10, 22, 4, tzinfo=UTC),
        datetime(2025, 6, 9, 12, 32, tzinfo=UTC),
    ]
    newest = tracking.events[0]
    assert (newest.description, newest.city, newest.state) == ("Out for Delivery", "HOUSTON", "TX")


@pytest.mark.parametrize(
    ("code", "detail", "status"),
    [
        # The document's long codes, in status_code or status_detail_code...
        ("DELIVERED", None, "delivered"),
        (None, "DELIVERED_TO_NEIGHBOUR", "delivered"),
        ("IN_TRANSIT", None, "in_transit"),
        ("OUT_FOR_DELIVERY", "OUT_FOR_DELIVERY", "out_for_delivery"),
        ("ATTEMPTED_DELIVERY", None, "exception"),
        ("AWAITING_DESPATCH", None, "label_created"),
        # ...the detail winning over the broader code...
        ("DE", "DELIVERED_DAMAGED", "exception"),
        ("IN_TRANSIT", "DELIVERED", "delivered"),
        # ...and the two-letter codes the API has also sent.
        ("UN", None, "label_created"),
        ("AC", None, "in_transit"),
        ("DE", None, "delivered"),
        ("ex", None, "exception"),
        (None, None, "label_created"),
        ("ZZ_NEW_CODE", None, "in_transit"),
    ],
)
async def test_tracking_status_codes(carrier, router, code, detail, status) -> None:
    answer = {
        **fx.TRACKING,
        "status_code": code,
        "status_detail_code": detail,
        "carrier_status_description": "",
        "events": [],
    }
    router.get(f"{fx.API}/labels/se-1/track").mock(return_value=reply(answer))

    assert (await carrier.track("se-1")).status == status


# --- errors and retries -------------------------------------------------------------------------


async def test_401_is_authentication_failed_without_retry(carrier, router, sleep) -> None:
    route = router.get(f"{fx.API}/carriers").mock(return_value=reply(fx.ERROR_401, 401))

    with pytest.raises(AuthenticationFailed):
        await carrier.list_services()

    assert route.call_count == 1
    assert sleep.calls == []


async def test_429_waits_retry_after_and_retries(carrier, router, carriers_route, sleep) -> None:
    rates = router.post(f"{fx.API}/rates").mock(
        side_effect=[reply(fx.ERROR_429, 429, **{"Retry-After": "7"}), reply(fx.RATES_OK)]
    )

    result = await carrier.quote(SHIPMENT)

    assert sleep.calls == [7]
    assert rates.call_count == 2
    assert len(result) == 3


async def test_429_after_max_retries_is_rate_limited(carrier, router, sleep) -> None:
    route = router.get(f"{fx.API}/carriers").mock(
        return_value=reply(fx.ERROR_429, 429, **{"Retry-After": "7"})
    )

    with pytest.raises(RateLimited) as raised:
        await carrier.list_services()

    assert raised.value.retry_after == 7
    assert sleep.calls == [7, 7]
    assert route.call_count == 3  # the first try and max_read_retries=2


async def test_429_with_a_long_retry_after_is_not_waited_for(carrier, router, sleep) -> None:
    router.get(f"{fx.API}/carriers").mock(
        return_value=reply(fx.ERROR_429, 429, **{"Retry-After": "120"})
    )

    with pytest.raises(RateLimited) as raised:
        await carrier.list_services()

    assert raised.value.retry_after == 120
    assert sleep.calls == []


async def test_500_is_carrier_unavailable_after_retries(carrier, router, sleep) -> None:
    route = router.get(f"{fx.API}/carriers").mock(return_value=reply(fx.ERROR_500, 500))

    with pytest.raises(CarrierUnavailable):
        await carrier.list_services()

    assert route.call_count == 3
    assert sleep.calls == [0.5, 1.0]  # a short, growing backoff


async def test_a_5xx_then_success_is_retried(carrier, router, sleep) -> None:
    router.get(f"{fx.API}/carriers").mock(side_effect=[httpx.Response(502), reply(fx.CARRIERS)])

    assert len(await carrier.list_services()) == 3


async def test_a_timeout_is_carrier_unavailable_after_retries(carrier, router, sleep) -> None:
    route = router.get(f"{fx.API}/labels/se-1/track").mock(
        side_effect=httpx.ReadTimeout("timed out")
    )

    with pytest.raises(CarrierUnavailable, match="did not answer in time"):
        await carrier.track("se-1")

    assert route.call_count == 3


async def test_a_void_is_not_retried(carrier, router, sleep) -> None:
    route = router.put(f"{fx.API}/labels/se-1/void").mock(return_value=reply(fx.ERROR_500, 500))

    with pytest.raises(CarrierUnavailable):
        await carrier.void_label("se-1")

    assert route.call_count == 1


async def test_400_about_the_address_is_invalid_address(carrier, router, carriers_route) -> None:
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.ERROR_400_ADDRESS, 400))

    with pytest.raises(InvalidAddress, match="Invalid postal code for the ship to address"):
        await carrier.quote(SHIPMENT)


async def test_404_is_unknown_carrier_error(carrier, router) -> None:
    router.get(f"{fx.API}/labels/se-999/track").mock(return_value=reply(fx.ERROR_404, 404))

    with pytest.raises(UnknownCarrierError, match="Label se-999 was not found"):
        await carrier.track("se-999")


async def test_calls_have_a_connect_timeout_and_a_read_timeout(carrier, router, carriers_route):
    await carrier.list_services()

    timeout = carriers_route.calls.last.request.extensions["timeout"]
    assert timeout["connect"] == 5.0
    assert timeout["read"] == 15.0


# --- the API key stays secret -------------------------------------------------------------------


async def test_the_api_key_never_shows(carrier, router, carriers_route, sleep, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.ERROR_500, 500))
    router.get(f"{fx.API}/labels/se-1/track").mock(side_effect=httpx.ConnectTimeout("slow"))
    router.put(f"{fx.API}/labels/se-1/void").mock(return_value=reply(fx.ERROR_401, 401))
    router.post(f"{fx.API}/labels/rates/se-rate-ga").mock(side_effect=httpx.ReadTimeout("slow"))
    attempts = [
        carrier.quote(SHIPMENT),
        carrier.track("se-1"),
        carrier.void_label("se-1"),
        carrier.buy_label(rate_for(), SHIPMENT),
    ]
    errors: list[CarrierError] = []
    for attempt in attempts:
        with pytest.raises(CarrierError) as raised:
            await attempt
        errors.append(raised.value)

    assert caplog.records  # calls were logged...
    assert "/rates" in caplog.text
    assert fx.KEY not in caplog.text  # ...without the key
    for error in errors:
        assert fx.KEY not in str(error) and fx.KEY not in repr(error)
        assert fx.KEY not in repr(error.__cause__) and fx.KEY not in str(error.__cause__)
    assert fx.KEY not in repr(carrier) and fx.KEY not in str(carrier)
    assert fx.KEY not in repr(vars(carrier))


def test_an_empty_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="empty"):
        ShipStationCarrier("   ", shipper_phone=fx.SHIPPER_PHONE)


def test_a_shipper_phone_is_required() -> None:
    with pytest.raises(ValueError, match="phone"):
        ShipStationCarrier(fx.KEY, shipper_phone=" ")


# --- reconciling an interrupted purchase --------------------------------------------------------


def label(**changes: object) -> dict:
    """The label ShipStation lists for a purchase of rate_for() (same carrier and service)."""
    return {**fx.LABEL, **changes}


@pytest.fixture
def labels_route(router):
    return router.get(f"{fx.API}/labels")


async def test_find_label_looks_the_rate_up_and_downloads_its_pdf(carrier, router, labels_route):
    labels_route.mock(return_value=reply(fx.labels_page(label())))
    pdf = router.get(fx.LABEL_PDF_URL).mock(return_value=httpx.Response(200, content=fx.PDF))

    found = await carrier.find_label(rate_for(), SHIPMENT)

    request = labels_route.calls.last.request
    assert dict(request.url.params) == {"rate_id": "se-rate-ga"}
    assert request.headers["API-Key"] == fx.KEY
    assert (found.label_id, found.tracking_number) == ("se-label-123456", "9405511899223197428490")
    assert (found.cost_cents, found.pdf, found.service) == (1234 + 105, fx.PDF, rate_for().service)
    assert pdf.call_count == 1


@pytest.mark.parametrize(
    "labels",
    [
        [],
        # A voided label is no sale, nor one that failed.
        [label(status="voided", voided=True, voided_at="2025-06-09T11:00:00Z")],
        [label(voided=True, voided_at="2025-06-09T11:00:00Z")],
        [label(status="error")],
    ],
    ids=["none", "voided", "voided-flag", "error"],
)
async def test_find_label_without_a_sold_label_is_none(carrier, labels_route, labels) -> None:
    labels_route.mock(return_value=reply(fx.labels_page(*labels)))

    assert await carrier.find_label(rate_for(), SHIPMENT) is None


async def test_find_label_takes_the_sold_one_beside_a_voided_one(carrier, router, labels_route):
    voided = label(label_id="se-label-1", status="voided", voided=True)
    labels_route.mock(return_value=reply(fx.labels_page(voided, label())))
    router.get(fx.LABEL_PDF_URL).mock(return_value=httpx.Response(200, content=fx.PDF))

    assert (await carrier.find_label(rate_for(), SHIPMENT)).label_id == "se-label-123456"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (fx.labels_page(label(status="processing")), "still processing"),
        (fx.labels_page(label(label_id="se-label-1"), label()), "2 labels sold"),
        # A label of another service cannot be this rate's: the filter was not applied.
        (fx.labels_page(label(), label(service_code="usps_priority_mail")), "another service"),
        ({**fx.labels_page(label()), "total": 2, "pages": 2}, "more labels"),
    ],
    ids=["processing", "two-sold", "other-service", "more-pages"],
)
async def test_find_label_that_cannot_tell_leaves_the_order(carrier, labels_route, answer, why):
    labels_route.mock(return_value=reply(answer))

    with pytest.raises(PurchaseStateUnknown, match=why):
        await carrier.find_label(rate_for(), SHIPMENT)


@pytest.mark.parametrize(
    "failure",
    [reply(fx.ERROR_500, 500), httpx.ReadTimeout("timed out")],
    ids=["5xx", "timeout"],
)
async def test_find_label_while_shipstation_is_down_is_unavailable(
    carrier, labels_route, sleep, failure
):
    labels_route.mock(side_effect=[failure] * 3)

    with pytest.raises(CarrierUnavailable):
        await carrier.find_label(rate_for(), SHIPMENT)

    assert labels_route.call_count == 3  # a read: retried, then left for the next round


async def test_find_label_whose_pdf_fails_is_left_for_the_next_round(carrier, router, labels_route):
    labels_route.mock(return_value=reply(fx.labels_page(label())))
    router.get(fx.LABEL_PDF_URL).mock(return_value=httpx.Response(404))

    with pytest.raises(LabelDownloadFailed) as raised:
        await carrier.find_label(rate_for(), SHIPMENT)

    assert raised.value.label_id == "se-label-123456"


# --- the recipient's check before rates ---------------------------------------------------------


def validated(ship_to: dict, **extra) -> dict:
    """A validating rates answer: the shipment with its ship_to as ShipStation cleaned it."""
    return {
        **fx.rates_answer(rates=fx.RATES_OK["rate_response"]["rates"]),
        "ship_to": ship_to,
        **extra,
    }


CLEANED_TO = {
    "name": "JOHN DOE",
    "phone": fx.SHIPPER_PHONE,
    "address_line1": "525 S WINCHESTER BLVD",
    "city_locality": "SAN JOSE",
    "state_province": "CA",
    "postal_code": "95128-2588",
    "country_code": "US",
    "address_residential_indicator": "no",
}


async def test_the_recipient_check_asks_to_validate_and_clean_the_ship_to(
    carrier, router, carriers_route
):
    route = router.post(f"{fx.API}/rates").mock(return_value=reply(validated(CLEANED_TO)))

    await carrier.check_recipient(SHIPMENT)

    body = json.loads(route.calls.last.request.content)
    assert body["shipment"]["validate_address"] == "validate_and_clean"
    assert body["rate_options"] == {"carrier_ids": ["se-100001", "se-100002"]}
    assert body["shipment"]["ship_to"]["address_line1"] == "525 S Winchester Blvd"
    # An ordinary quote does not ask for it.
    await carrier.quote(SHIPMENT)
    assert "validate_address" not in json.loads(route.calls.last.request.content)["shipment"]


async def test_the_recipient_check_reads_the_cleaned_ship_to_and_its_residential_indicator(
    carrier, router, carriers_route
):
    router.post(f"{fx.API}/rates").mock(return_value=reply(validated(CLEANED_TO)))

    checked = await carrier.check_recipient(SHIPMENT)

    assert checked.address == Address(
        name="John Doe",  # the user's name and phone, not the carrier's capitals
        street1="525 S WINCHESTER BLVD",
        city="SAN JOSE",
        state="CA",
        zip="95128-2588",
    )
    assert checked.residential is False


@pytest.mark.parametrize(("indicator", "residential"), [("yes", True), ("unknown", None)])
async def test_the_residential_indicator_is_the_carriers_or_unknown(
    carrier, router, carriers_route, indicator, residential
):
    ship_to = {**CLEANED_TO, "address_residential_indicator": indicator}
    router.post(f"{fx.API}/rates").mock(return_value=reply(validated(ship_to)))

    assert (await carrier.check_recipient(SHIPMENT)).residential is residential


async def test_a_matched_address_is_preferred_to_the_ship_to(carrier, router, carriers_route):
    matched = {**CLEANED_TO, "address_line1": "525 SOUTH WINCHESTER BLVD"}
    result = {"status": "verified", "original_address": CLEANED_TO, "matched_address": matched}
    answer = validated(CLEANED_TO, address_validation={**result, "messages": []})
    router.post(f"{fx.API}/rates").mock(return_value=reply(answer))

    checked = await carrier.check_recipient(SHIPMENT)

    assert checked.address.street1 == "525 SOUTH WINCHESTER BLVD"


async def test_a_validation_error_is_invalid_address_with_its_message(
    carrier, router, carriers_route
):
    message = {
        "code": "a1004",
        "message": "Address not found",
        "type": "error",
        "detail_code": "address_not_found",
    }
    result = {"status": "error", "original_address": CLEANED_TO, "matched_address": None}
    answer = validated(CLEANED_TO, address_validation={**result, "messages": [message]})
    router.post(f"{fx.API}/rates").mock(return_value=reply(answer))

    with pytest.raises(InvalidAddress) as raised:
        await carrier.check_recipient(SHIPMENT)

    assert raised.value.message == "Address not found"


async def test_an_address_error_in_the_rates_is_invalid_address(carrier, router, carriers_route):
    router.post(f"{fx.API}/rates").mock(
        return_value=reply(fx.rates_answer(errors=[fx.ADDRESS_ERROR]))
    )

    with pytest.raises(InvalidAddress):
        await carrier.check_recipient(SHIPMENT)


async def test_an_answer_without_a_ship_to_keeps_the_address_as_sent(
    carrier, router, carriers_route
):
    router.post(f"{fx.API}/rates").mock(return_value=reply(fx.RATES_OK))

    checked = await carrier.check_recipient(SHIPMENT)

    assert (checked.address, checked.residential) == (RECIPIENT, None)
