"""The services the sandbox carrier sells, with the same names and codes ShipStation uses, and
the carrier accounts it sells them through."""

from __future__ import annotations

from shipbot.providers.carriers.base import CarrierAccount, CarrierService

_CARRIERS = {"usps": "USPS", "ups": "UPS", "fedex": "FedEx"}


def _service(carrier_code: str, service_code: str, name: str) -> CarrierService:
    carrier_name = _CARRIERS[carrier_code]
    return CarrierService(
        carrier_id=f"sandbox-{carrier_code}",
        carrier_code=carrier_code,
        carrier_name=carrier_name,
        service_code=service_code,
        service_name=f"{carrier_name} {name}",
    )


SERVICES: tuple[CarrierService, ...] = (
    _service("usps", "usps_ground_advantage", "Ground Advantage"),
    _service("usps", "usps_priority_mail", "Priority Mail"),
    _service("usps", "usps_priority_mail_express", "Priority Mail Express"),
    _service("ups", "ups_ground", "Ground"),
    _service("ups", "ups_3_day_select", "3 Day Select"),
    _service("ups", "ups_2nd_day_air", "2nd Day Air"),
    _service("ups", "ups_next_day_air", "Next Day Air"),
    _service("fedex", "fedex_ground", "Ground"),
    _service("fedex", "fedex_express_saver", "Express Saver"),
    _service("fedex", "fedex_2day", "2Day"),
    _service("fedex", "fedex_standard_overnight", "Standard Overnight"),
)

BY_CODE: dict[str, CarrierService] = {s.service_code: s for s in SERVICES}

# One of each kind the panel shows: prepaid and running low (it warns), billed by the carrier
# (no balance), prepaid with plenty.
ACCOUNTS: tuple[CarrierAccount, ...] = (
    CarrierAccount("sandbox-usps", "usps", "USPS (sandbox)", 18_40),
    CarrierAccount("sandbox-ups", "ups", "UPS (sandbox)", None),
    CarrierAccount("sandbox-fedex", "fedex", "FedEx (sandbox)", 1_250_00),
)
