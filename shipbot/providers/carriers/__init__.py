"""Carrier providers: ShipStation API v2 when a key is configured, else the sandbox carrier."""

from __future__ import annotations

from pathlib import Path

from shipbot.config import Settings
from shipbot.providers.carriers.base import CarrierProvider


def build_carrier(settings: Settings) -> CarrierProvider:
    if settings.shipstation_api_key is not None:
        from shipbot.providers.carriers.shipstation import ShipStationCarrier

        return ShipStationCarrier(
            settings.shipstation_api_key.get_secret_value(),
            base_url=settings.shipstation_api_url,
            timeout=settings.carrier_timeout,
        )
    from shipbot.providers.carriers.sandbox import SandboxCarrier

    return SandboxCarrier(
        latency_seconds=settings.sandbox_carrier_latency,
        purchases_dir=Path(settings.labels_dir) / "sandbox-carrier",
    )
