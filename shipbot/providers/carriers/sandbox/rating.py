"""Sandbox prices: pure and deterministic, shaped like real US carrier rates.

price = base(zone) + (billable pounds - 1) × per_lb(zone), each part linear in the zone with
non-negative steps, so a price never falls when weight or zone grows. Zones come from the
great-circle distance between the ZIPs (USPS-like bands); a military post office, or Alaska,
Hawaii or a territory on one end and another state on the other, is zone 9: dearer, slower,
and out of reach of the UPS and FedEx ground networks. Money is Decimal rounded half up to the
cent once, at the end; floats are only used for the distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from shipbot.domain.money import round_cents
from shipbot.domain.zip_data import ZipInfo, lookup
from shipbot.providers.carriers.base import CarrierService, Shipment
from shipbot.providers.carriers.sandbox.catalog import SERVICES

# Offshore: not reachable by the UPS/FedEx ground networks. Military: USPS only.
OFFSHORE = frozenset({"AK", "HI", "PR", "VI", "GU", "AS", "MP"})
MILITARY = frozenset({"AA", "AE", "AP"})
REMOTE_ZONE = 9
_BANDS = ((50, 1), (150, 2), (300, 3), (600, 4), (1000, 5), (1400, 6), (1800, 7))
_EARTH_MILES = 3958.8

CUBIC_FOOT = Decimal(1728)
# USPS's real divisor is 166 (and only above one cubic foot); UPS's and FedEx's is 139.
_DIM_DIVISOR = {"usps": Decimal(166), "ups": Decimal(139), "fedex": Decimal(139)}
_MAX_POUNDS = {"usps": 70, "ups": 150, "fedex": 150}
_MAX_LENGTH = Decimal(108)  # UPS and FedEx; USPS is limited by length + girth alone
_RESIDENTIAL = {"ground": Decimal("5.10"), "air": Decimal("5.55")}  # UPS and FedEx only


@dataclass(frozen=True)
class Tariff:
    base: Decimal  # 1 lb, zone 1
    base_step: Decimal  # added per zone above 1
    per_lb: Decimal  # each pound above the first, zone 1
    per_lb_step: Decimal  # added to per_lb per zone above 1
    days: tuple[int, ...]  # delivery days for zones 1..9
    ground: bool = False

    def dollars(self, zone: int, pounds: int) -> Decimal:
        steps = zone - 1
        per_lb = self.per_lb + self.per_lb_step * steps
        return self.base + self.base_step * steps + (pounds - 1) * per_lb


def _t(base: str, step: str, per_lb: str, lb_step: str, days: str, ground: bool = False) -> Tariff:
    nums = (Decimal(base), Decimal(step), Decimal(per_lb), Decimal(lb_step))
    return Tariff(*nums, days=tuple(int(d) for d in days), ground=ground)


#         base   +/zone  per lb  +/zone   days z1..z9
TARIFFS: dict[str, Tariff] = {
    "usps_ground_advantage":      _t("6.40", "0.45", "0.45", "0.30", "223344557", True),
    "usps_priority_mail":         _t("8.20", "0.75", "0.80", "0.45", "112223334"),
    "usps_priority_mail_express": _t("27.50", "2.50", "1.80", "0.90", "111111112"),
    "ups_ground":                 _t("10.20", "0.55", "0.45", "0.35", "112234455", True),
    "ups_3_day_select":           _t("17.50", "2.20", "1.20", "0.65", "333333334"),
    "ups_2nd_day_air":            _t("21.00", "3.00", "1.60", "0.85", "222222223"),
    "ups_next_day_air":           _t("45.00", "6.00", "2.80", "1.40", "111111112"),
    "fedex_ground":               _t("10.05", "0.58", "0.44", "0.36", "112234455", True),
    "fedex_express_saver":        _t("17.20", "2.25", "1.15", "0.66", "333333334"),
    "fedex_2day":                 _t("20.50", "3.05", "1.55", "0.86", "222222223"),
    "fedex_standard_overnight":   _t("43.00", "5.80", "2.70", "1.38", "111111112"),
}  # fmt: skip

# USPS Ground Advantage under a pound is priced by ounce tiers (base, +/zone); each tier stays
# at or below the next one and below 1 lb in every zone.
OUNCE_TIERS = (
    (Decimal(4), Decimal("3.90"), Decimal("0.10")),
    (Decimal(8), Decimal("4.45"), Decimal("0.13")),
    (Decimal(12), Decimal("5.05"), Decimal("0.17")),
    (Decimal("15.99"), Decimal("5.90"), Decimal("0.26")),
)


@dataclass(frozen=True)
class Quote:
    service: CarrierService
    zone: int
    billable: str  # "12 oz" or "5 lb": what was charged for, for humans and tests
    shipping_cents: int
    surcharge_cents: int  # residential delivery (UPS, FedEx)
    delivery_days: int


@dataclass(frozen=True)
class Rating:
    quotes: tuple[Quote, ...]
    refusals: tuple[str, ...]  # why the other services are missing, one reason each, deduped


def distance_miles(a: ZipInfo, b: ZipInfo) -> float:
    lat1, lon1, lat2, lon2 = map(
        math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude))
    )
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_MILES * math.asin(min(1.0, math.sqrt(h)))


def zone_between(a: ZipInfo, b: ZipInfo) -> int:
    if a.state in MILITARY or b.state in MILITARY:
        return REMOTE_ZONE  # APO/FPO/DPO ZIPs carry no coordinates
    if (a.state in OFFSHORE or b.state in OFFSHORE) and a.state != b.state:
        return REMOTE_ZONE
    if not (a.latitude or a.longitude) or not (b.latitude or b.longitude):
        return 8  # a ZIP without coordinates: never price it below the farthest zone
    miles = distance_miles(a, b)
    return next((zone for limit, zone in _BANDS if miles <= limit), 8)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING))


def billable_pounds(carrier_code: str, ounces: Decimal, volume: Decimal) -> int:
    actual = max(1, _ceil(ounces / 16))
    # USPS charges for size only above one cubic foot; UPS and FedEx always do.
    if carrier_code == "usps" and volume <= CUBIC_FOOT:
        return actual
    return max(actual, _ceil(volume / _DIM_DIVISOR[carrier_code]))


def _ounce_tier(ounces: Decimal, zone: int) -> tuple[Decimal, Decimal] | None:
    """(tier limit in ounces, price) for USPS Ground Advantage under a pound."""
    for limit, base, step in OUNCE_TIERS:
        if ounces <= limit:
            return limit, base + step * (zone - 1)
    return None


def max_length_plus_girth(service: CarrierService) -> Decimal:
    if service.carrier_code != "usps":
        return Decimal(165)
    # Ground Advantage takes up to 130 in; Priority Mail and Express stop at 108 in.
    return Decimal(130 if service.service_code == "usps_ground_advantage" else 108)


def _refusal(
    service: CarrierService, tariff: Tariff, shipment: Shipment, states: set[str]
) -> str | None:
    carrier, dims = service.carrier_code, shipment.dimensions
    if carrier != "usps" and states & MILITARY:
        return f"{service.carrier_name} does not deliver to APO/FPO/DPO addresses"
    if carrier != "usps" and tariff.ground and states & OFFSHORE:
        return f"{service.service_name} serves only the 48 contiguous states and DC"
    if shipment.ounces > _MAX_POUNDS[carrier] * 16:
        return f"{service.carrier_name} takes parcels up to {_MAX_POUNDS[carrier]} lb"
    if carrier != "usps" and dims.length > _MAX_LENGTH:
        return f"{service.carrier_name} takes parcels up to {_MAX_LENGTH} in long"
    limit = max_length_plus_girth(service)
    if dims.length_plus_girth > limit:
        return f"{service.service_name} takes up to {limit} in length + girth"
    return None


def rate(shipment: Shipment) -> Rating:
    """Every service that can carry the shipment, priced; ZIPs must exist (checked before)."""
    origin, destination = lookup(shipment.ship_from.zip), lookup(shipment.ship_to.zip)
    if origin is None or destination is None:
        raise ValueError("unknown ZIP code")
    zone = zone_between(origin, destination)
    states = {origin.state, destination.state}
    dims = shipment.dimensions
    volume = dims.length * dims.width * dims.height
    quotes, refusals = [], []
    for service in SERVICES:
        tariff = TARIFFS[service.service_code]
        reason = _refusal(service, tariff, shipment, states)
        if reason:
            refusals.append(reason)
            continue
        carrier = service.carrier_code
        tier = None
        if service.service_code == "usps_ground_advantage" and volume <= CUBIC_FOOT:
            tier = _ounce_tier(shipment.ounces, zone)
        if tier is not None:
            dollars, billable = tier[1], f"{tier[0]} oz"
        else:
            pounds = billable_pounds(carrier, shipment.ounces, volume)
            dollars, billable = tariff.dollars(zone, pounds), f"{pounds} lb"
        surcharge = Decimal(0)
        if shipment.residential and carrier != "usps":
            surcharge = _RESIDENTIAL["ground" if tariff.ground else "air"]
        quotes.append(Quote(
            service=service, zone=zone, billable=billable,
            shipping_cents=round_cents(dollars * 100),
            surcharge_cents=round_cents(surcharge * 100),
            delivery_days=tariff.days[zone - 1],
        ))  # fmt: skip
    return Rating(tuple(quotes), tuple(dict.fromkeys(refusals)))
