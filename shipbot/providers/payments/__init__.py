"""Payment providers: Oxapay, or the sandbox payment page when PAYMENT_PROVIDER=sandbox."""

from __future__ import annotations

import secrets

from shipbot.config import PaymentProviderChoice, Settings
from shipbot.db.database import Database
from shipbot.services.topups import Payments


def build_payments(settings: Settings, database: Database) -> Payments:
    """`database` holds the sandbox's own invoices; Oxapay keeps its invoices itself."""
    settings.require_providers()
    if settings.payment_provider is PaymentProviderChoice.OXAPAY:
        from shipbot.providers.payments.oxapay import OxapayPayments

        provider = OxapayPayments(
            settings.oxapay_merchant_key.get_secret_value(), base_url=settings.oxapay_api_url
        )
    else:
        # Imported only here, so an app with real payments has no sandbox code loaded at all.
        from shipbot.providers.payments.sandbox import SandboxPayments

        key = settings.sandbox_merchant_key
        provider = SandboxPayments(
            database,
            public_base_url=settings.public_base_url,
            merchant_key=key.get_secret_value() if key else secrets.token_urlsafe(32),
        )
    return Payments(provider, settings.payment_callback_url, settings.invoice_lifetime_minutes)
