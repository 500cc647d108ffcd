"""Sandbox carrier: realistic USPS, UPS and FedEx rates and sample labels, offline (SPEC §6.1)."""

from shipbot.providers.carriers.sandbox.carrier import SandboxCarrier

__all__ = ["SandboxCarrier"]
