"""Carrier providers: ShipStation API v2, or the sandbox carrier when CARRIER_PROVIDER=sandbox."""

from __future__ import annotations

from pathlib import Path

from shipbot.config import CarrierProviderChoice, Settings
from shipbot.providers.carriers.base import CarrierProvider


def build_carrier(settings: Settings) -> CarrierProvider:
    settings.require_providers()
    if settings.carrier_provider is CarrierProviderChoice.SHIPSTATION:
        from shipbot.providers.carriers.shipstation import ShipStationCarrier

        return ShipStationCarrier(
            settings.shipstation_api_key.get_secret_value(),
            shipper_phone=settings.shipper_phone,
            base_url=settings.shipstation_api_url,
            timeout=settings.carrier_timeout,
        )
    from shipbot.providers.carriers.sandbox import SandboxCarrier

    return SandboxCarrier(
        latency_seconds=settings.sandbox_carrier_latency,
        purchases_dir=Path(settings.labels_dir) / "sandbox-carrier",
    )
