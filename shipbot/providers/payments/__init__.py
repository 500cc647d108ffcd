"""Payment providers: Oxapay when a merchant key is configured, else the sandbox payment page."""

from __future__ import annotations

from shipbot.config import Settings
from shipbot.services.topups import Payments


def build_payments(settings: Settings) -> Payments:
    if settings.oxapay_merchant_key is not None:
        from shipbot.providers.payments.oxapay import OxapayPayments

        provider = OxapayPayments(
            settings.oxapay_merchant_key.get_secret_value(), base_url=settings.oxapay_api_url
        )
    else:
        from shipbot.providers.payments.sandbox import SandboxPayments

        provider = SandboxPayments(public_base_url=settings.public_base_url)
    return Payments(provider, settings.payment_callback_url, settings.invoice_lifetime_minutes)
