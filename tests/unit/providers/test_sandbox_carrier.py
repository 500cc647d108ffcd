"""The sandbox carrier: realistic, deterministic rates; real PDF labels; tracking over time."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from shipbot.domain.address import Address
from shipbot.domain.parcel import Dimensions
from shipbot.providers.carriers.base import (
    InvalidAddress,
    NoRates,
    Rate,
    Shipment,
    UnknownCarrierError,
)
from shipbot.providers.carriers.sandbox import SandboxCarrier, labels
from shipbot.providers.carriers.sandbox.catalog import SERVICES
from shipbot.providers.carriers.sandbox.rating import OUNCE_TIERS, TARIFFS, rate

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
SF = Address("Jane Roe", "1 Haight St", "San Francisco", "CA", "94117")
NYC = Address("John Doe", "350 5th Ave", "New York", "NY", "10118", company="Empire State")
OAKLAND = Address("Ann Lee", "1 Broadway", "Oakland", "CA", "94607")
HONOLULU = Address("Kai Akana", "1 Bishop St", "Honolulu", "HI", "96813")
APO = Address("Sgt Pat Kim", "Unit 2050 Box 4190", "APO", "AP", "96278")
MEDIUM = Dimensions(Decimal(12), Decimal(10), Decimal(8))

# Contiguous ZIPs near and far from each other, plus Alaska, Hawaii and Puerto Rico.
ADDRESSES = [
    SF, NYC, OAKLAND, HONOLULU,
    Address("A", "1 Main St", "Beverly Hills", "CA", "90210"),
    Address("B", "1 Main St", "Chicago", "IL", "60601"),
    Address("C", "1 Main St", "Houston", "TX", "77002"),
    Address("D", "1 Main St", "Denver", "CO", "80202"),
    Address("E", "1 Main St", "Miami", "FL", "33131"),
    Address("F", "1 Main St", "Seattle", "WA", "98101"),
    Address("G", "1 Main St", "Hoboken", "NJ", "07030"),
    Address("H", "1 Main St", "Anchorage", "AK", "99501"),
    Address("I", "1 Main St", "San Juan", "PR", "00901"),
]  # fmt: skip


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def shipment(
    ounces: str | int = 32,
    dims: Dimensions = MEDIUM,
    ship_from: Address = SF,
    ship_to: Address = NYC,
    residential: bool = True,
) -> Shipment:
    return Shipment(ship_from, ship_to, Decimal(ounces), dims, residential)


def dims(length: str | int, width: str | int, height: str | int) -> Dimensions:
    return Dimensions(Decimal(length), Decimal(width), Decimal(height))


def by_code(rates: list[Rate]) -> dict[str, Rate]:
    return {r.service.service_code: r for r in rates}


async def quote(s: Shipment, carrier: SandboxCarrier | None = None) -> dict[str, Rate]:
    return by_code(await (carrier or SandboxCarrier(clock=Clock())).quote(s))


def prices(s: Shipment) -> dict[str, int]:
    return {q.service.service_code: q.shipping_cents + q.surcharge_cents for q in rate(s).quotes}


# --- rates ---------------------------------------------------------------------------------


async def test_lists_the_eleven_services() -> None:
    services = await SandboxCarrier().list_services()
    assert [s.service_code for s in services] == [
        "usps_ground_advantage", "usps_priority_mail", "usps_priority_mail_express",
        "ups_ground", "ups_3_day_select", "ups_2nd_day_air", "ups_next_day_air",
        "fedex_ground", "fedex_express_saver", "fedex_2day", "fedex_standard_overnight",
    ]  # fmt: skip
    assert {s.carrier_id for s in services} == {"sandbox-usps", "sandbox-ups", "sandbox-fedex"}
    assert services[1].service_name == "USPS Priority Mail"


async def test_same_shipment_gives_identical_rates() -> None:
    carrier = SandboxCarrier(clock=Clock())
    first, second = await carrier.quote(shipment()), await carrier.quote(shipment())
    assert first == second
    assert len(first) == 11
    assert len({r.rate_id for r in first}) == 11
    # Decimal spelling does not matter: 32 oz is 32.00 oz.
    assert await carrier.quote(shipment("32.00")) == first


async def test_rates_look_like_real_ones() -> None:
    rates = await quote(shipment())
    assert all(r.total_cents > 0 for r in rates.values())
    ground = rates["ups_ground"]
    assert rates["ups_next_day_air"].total_cents > 3 * ground.total_cents
    assert rates["fedex_standard_overnight"].total_cents > 3 * rates["fedex_ground"].total_cents
    assert rates["usps_priority_mail_express"].total_cents > rates["usps_priority_mail"].total_cents
    assert ground.other_cents == 510  # residential, ground
    assert rates["ups_2nd_day_air"].other_cents == 555  # residential, air
    assert rates["usps_priority_mail"].other_cents == 0  # USPS has no residential surcharge
    days = {code: r.delivery_days for code, r in rates.items()}
    assert days["ups_next_day_air"] == days["usps_priority_mail_express"] == 1
    assert days["ups_2nd_day_air"] == 2 and days["ups_3_day_select"] == 3
    assert days["ups_ground"] == 5  # coast to coast
    assert rates["ups_ground"].estimated_delivery == T0.date() + timedelta(days=5)


async def test_commercial_delivery_has_no_residential_surcharge() -> None:
    rates = await quote(shipment(residential=False))
    assert all(r.other_cents == 0 for r in rates.values())


@settings(max_examples=150, deadline=None)
@given(
    a=st.integers(1, 2400),
    b=st.integers(1, 2400),
    route=st.tuples(st.sampled_from(ADDRESSES), st.sampled_from(ADDRESSES)),
    box=st.sampled_from([MEDIUM, dims(6, 6, 6), dims(24, 18, 18), dims(40, 25, 20)]),
)
def test_more_weight_never_costs_less(a: int, b: int, route, box: Dimensions) -> None:
    light, heavy = sorted((a, b))
    light_prices = prices(shipment(Decimal(light) / 4, box, *route))
    heavy_prices = prices(shipment(Decimal(heavy) / 4, box, *route))
    assert heavy_prices.keys() <= light_prices.keys()  # more weight only removes services
    for code, cents in heavy_prices.items():
        assert light_prices[code] <= cents, code


def test_price_table_is_monotonic_in_weight_and_zone() -> None:
    for code, tariff in TARIFFS.items():
        for zone in range(1, 10):
            row = [tariff.dollars(zone, pounds) for pounds in range(1, 151)]
            assert row == sorted(row), code
            if zone > 1:
                lower = [tariff.dollars(zone - 1, pounds) for pounds in range(1, 151)]
                assert all(x <= y for x, y in zip(lower, row, strict=True)), (code, zone)
    ground_advantage = TARIFFS["usps_ground_advantage"]
    for zone in range(1, 10):
        tiers = [base + step * (zone - 1) for _, base, step in OUNCE_TIERS]
        assert tiers == sorted(tiers)
        assert tiers[-1] < ground_advantage.dollars(zone, 1)


async def test_farther_costs_more_and_takes_longer() -> None:
    near = await quote(shipment(ship_to=OAKLAND))  # across the bay: zone 1
    far = await quote(shipment(ship_to=NYC))  # coast to coast: zone 8
    assert near.keys() == far.keys()
    for code in near:
        assert near[code].total_cents < far[code].total_cents, code
        assert near[code].delivery_days <= far[code].delivery_days, code
    assert near["usps_ground_advantage"].delivery_days == 2
    assert near["ups_ground"].delivery_days == 1


async def test_ground_advantage_under_a_pound_is_priced_by_ounce_tiers() -> None:
    cents = [
        (await quote(shipment(oz, dims(6, 6, 2))))["usps_ground_advantage"].total_cents
        for oz in ("3", "4", "4.01", "8", "12", "15.99", "16")
    ]
    assert cents[0] == cents[1] < cents[2] == cents[3] < cents[4] < cents[5] < cents[6]
    # Priority Mail has no ounce tiers: 3 oz pays the pound.
    priority = [(await quote(shipment(oz)))["usps_priority_mail"] for oz in (3, 16)]
    assert priority[0].total_cents == priority[1].total_cents


async def test_dimensional_weight_for_a_large_light_box() -> None:
    small = await quote(shipment(32, dims(6, 6, 6)))
    large = await quote(shipment(32, dims(24, 18, 18)))  # 7776 in³: 56 lb at /139
    for code in ("ups_ground", "fedex_ground", "ups_2nd_day_air", "fedex_2day"):
        assert large[code].shipping_cents > 3 * small[code].shipping_cents, code
    # USPS charges for size only above one cubic foot (1728 in³).
    cube = await quote(shipment(32, dims(12, 12, 12)))
    over = await quote(shipment(32, dims(12, 12, "12.5")))
    for code in ("usps_ground_advantage", "usps_priority_mail"):
        assert cube[code].shipping_cents == small[code].shipping_cents, code
        assert over[code].shipping_cents > 2 * cube[code].shipping_cents, code
    # UPS and FedEx charge for size even below a cubic foot.
    assert cube["ups_ground"].shipping_cents > small["ups_ground"].shipping_cents


async def test_weight_and_size_limits_exclude_services() -> None:
    at_limit = await quote(shipment(70 * 16))
    assert "usps_priority_mail" in at_limit
    over = await quote(shipment(71 * 16))
    assert not any(code.startswith("usps") for code in over)
    assert {"ups_ground", "fedex_ground", "ups_next_day_air"} <= over.keys()
    # 40 + 2 × (25 + 20) = 130 in: Ground Advantage takes it, Priority Mail (108 in) does not.
    big = await quote(shipment(320, dims(40, 25, 20)))
    assert "usps_ground_advantage" in big and "usps_priority_mail" not in big


async def test_offshore_is_zone_9_without_ground_networks() -> None:
    mainland = await quote(shipment(ship_to=NYC))
    hawaii = await quote(shipment(ship_to=HONOLULU))
    assert "ups_ground" not in hawaii and "fedex_ground" not in hawaii
    for code, r in hawaii.items():
        assert r.total_cents > mainland[code].total_cents, code
        assert r.delivery_days >= mainland[code].delivery_days, code


async def test_military_is_usps_only_and_nothing_left_means_no_rates() -> None:
    apo = await quote(shipment(ship_to=APO))
    assert {r.service.carrier_code for r in apo.values()} == {"usps"}
    with pytest.raises(NoRates) as caught:
        await quote(shipment(71 * 16, ship_to=APO))
    assert "70 lb" in caught.value.message
    assert "APO/FPO/DPO" in caught.value.message


@pytest.mark.parametrize(
    ("address", "words"),
    [
        (replace(NYC, city="Brooklyn"), "the city BROOKLYN does not match ZIP code 10118 "
                                        "(NEW YORK, NY)"),
        (replace(NYC, state="NJ"), "the state NJ does not match ZIP code 10118 (NEW YORK, NY)"),
        (replace(NYC, zip="00000"), "ZIP code 00000 does not exist"),
    ],
)  # fmt: skip
async def test_invalid_address_names_the_problem(address: Address, words: str) -> None:
    with pytest.raises(InvalidAddress) as caught:
        await quote(shipment(ship_to=address))
    assert caught.value.message.startswith("Recipient address")
    assert words in caught.value.message


async def test_accepts_any_city_usps_accepts_for_the_zip_in_any_case() -> None:
    brooklyn = Address("Bo Li", "1 Court St", "brooklyn heights", "NY", "11201-1234")
    assert await quote(shipment(ship_from=brooklyn))


@pytest.mark.parametrize(
    ("city", "zip_code", "state"),
    [
        ("Winston-Salem", "27101", "NC"),
        ("Coeur d'Alene", "83814", "ID"),
        ("St. Louis", "63101", "MO"),
    ],
)
async def test_accepts_a_city_written_as_entry_accepts_it(city, zip_code, state) -> None:
    """Hyphens, apostrophes and St. for Saint: the data's "Winston Salem" is the same city."""
    sender = Address("Bo Li", "1 Main St", city, state, zip_code)
    assert await quote(shipment(ship_from=sender))


async def test_the_recipient_check_standardises_the_suffix_and_the_city() -> None:
    written = replace(NYC, street1="350 Fifth Avenue", city="new york", company=None)
    checked = await SandboxCarrier().check_recipient(shipment(ship_to=written))
    assert checked.address == replace(written, street1="350 Fifth Ave", city="New York")
    assert checked.residential is True
    for_a_company = await SandboxCarrier().check_recipient(shipment(ship_to=NYC))
    assert for_a_company.address == NYC and for_a_company.residential is False


async def test_the_recipient_check_leaves_a_street_word_before_the_suffix() -> None:
    written = Address("Bo Li", "1 Court Street", "Brooklyn", "NY", "11201")
    checked = await SandboxCarrier().check_recipient(shipment(ship_to=written))
    assert checked.address.street1 == "1 Court St"


async def test_the_recipient_check_refuses_what_a_quote_would() -> None:
    with pytest.raises(InvalidAddress) as caught:
        await SandboxCarrier().check_recipient(shipment(ship_to=replace(NYC, city="Brooklyn")))
    assert "the city BROOKLYN does not match ZIP code 10118" in caught.value.message


async def test_quote_waits_the_simulated_latency() -> None:
    started = time.perf_counter()
    await SandboxCarrier(latency_seconds=0.05).quote(shipment())
    assert time.perf_counter() - started >= 0.05


# --- labels --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["usps_priority_mail", "ups_ground", "fedex_2day"])
async def test_label_is_a_4x6_pdf_with_tracking_number_and_sample_mark(code: str) -> None:
    carrier = SandboxCarrier(clock=Clock())
    chosen = (await quote(shipment(), carrier))[code]
    label = await carrier.buy_label(chosen, shipment())
    assert label.cost_cents == chosen.total_cents
    assert label.service == chosen.service
    reader = PdfReader(io.BytesIO(label.pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
    text = page.extract_text()
    for expected in (label.tracking_number, "JANE ROE", "JOHN DOE", "EMPIRE STATE",
                     "350 5TH AVE", "NEW YORK, NY 10118", "SAMPLE — NOT POSTAGE",
                     chosen.service.service_name.upper(), "2 lb"):  # fmt: skip
        assert expected in text, expected


def test_tracking_numbers_have_the_carriers_shapes() -> None:
    services = {s.carrier_code: s for s in SERVICES}
    label_id = "sbx-x-1740000000-94117-10118-abc"
    usps = labels.tracking_number(services["usps"], label_id)
    ups = labels.tracking_number(services["ups"], label_id)
    fedex = labels.tracking_number(services["fedex"], label_id)
    assert len(usps) == 22 and usps.isdigit() and usps.startswith("9400")
    assert len(ups) == 18 and ups.startswith("1Z") and ups[2:].isalnum()
    assert len(fedex) == 12 and fedex.isdigit()
    assert labels.tracking_number(services["usps"], label_id) == usps  # from the id alone
    assert labels.tracking_number(services["usps"], label_id + "d") != usps
    assert labels._ups_check("999AA1012345678") == "4"  # UPS's published 1Z999AA10123456784


# --- tracking, voiding, ids across processes ------------------------------------------------


async def test_tracking_advances_with_time_and_void_only_while_unused() -> None:
    clock = Clock()
    carrier = SandboxCarrier(clock=clock)
    chosen = (await quote(shipment(), carrier))["usps_priority_mail"]  # 3 days coast to coast
    label = await carrier.buy_label(chosen, shipment())

    created = await carrier.track(label.label_id)
    assert created.status == "label_created"
    assert created.tracking_number == label.tracking_number
    assert created.estimated_delivery == T0.date() + timedelta(days=3)
    clock.now = T0 + timedelta(hours=1)
    assert (await carrier.void_label(label.label_id)).approved

    clock.now = T0 + timedelta(hours=7)
    picked_up = await carrier.track(label.label_id)
    assert picked_up.status == "in_transit"
    assert picked_up.events[0].city == "San Francisco"  # newest first
    refused = await carrier.void_label(label.label_id)
    assert not refused.approved and "no longer be voided" in refused.message

    clock.now = T0 + timedelta(days=2, hours=1)
    moving = await carrier.track(label.label_id)
    assert moving.status == "in_transit" and len(moving.events) > len(picked_up.events)
    clock.now = T0 + timedelta(days=3, hours=-2)
    assert (await carrier.track(label.label_id)).status == "out_for_delivery"
    clock.now = T0 + timedelta(days=3)
    delivered = await carrier.track(label.label_id)
    assert delivered.status == "delivered"
    assert (delivered.events[0].city, delivered.events[0].state) == ("New York", "NY")
    times = [e.occurred_at for e in delivered.events]
    assert times == sorted(times, reverse=True)


async def test_ids_work_across_processes() -> None:
    clock = Clock()
    first, second = SandboxCarrier(clock=clock), SandboxCarrier(clock=clock)
    rates = await first.quote(shipment())
    assert [r.rate_id for r in await second.quote(shipment())] == [r.rate_id for r in rates]
    label = await second.buy_label(rates[0], shipment())  # bought in "another process"
    assert label.label_id.startswith("sbx-usps_ground_advantage-")
    tracked = await first.track(label.label_id)
    assert tracked.tracking_number == label.tracking_number
    assert (await first.void_label(label.label_id)).approved
    again = await second.buy_label(rates[0], shipment())
    assert again.label_id != label.label_id  # two purchases are two labels


async def test_a_rate_only_buys_its_own_shipment() -> None:
    carrier = SandboxCarrier(clock=Clock())
    chosen = (await quote(shipment(), carrier))["ups_ground"]
    with pytest.raises(UnknownCarrierError):
        await carrier.buy_label(chosen, shipment(ounces=48))
    with pytest.raises(UnknownCarrierError):
        await carrier.buy_label(replace(chosen, rate_id="se-123"), shipment())


@pytest.mark.parametrize("label_id", ["", "sbx-nope-1-94117-10118-a", "se-123", "sbx-a-b-c"])
async def test_unknown_label_ids_are_refused(label_id: str) -> None:
    carrier = SandboxCarrier()
    with pytest.raises(UnknownCarrierError):
        await carrier.track(label_id)
    with pytest.raises(UnknownCarrierError):
        await carrier.void_label(label_id)


async def test_close_is_harmless() -> None:
    carrier = SandboxCarrier()
    await asyncio.wait_for(carrier.close(), 1)
