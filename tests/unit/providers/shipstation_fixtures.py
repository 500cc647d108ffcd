"""ShipStation API v2 answers, shaped after the documented JSON (docs.shipstation.com/openapi:
list carriers, calculate rates, purchase label with rate ID, list labels, void, track, error
envelope). The error envelopes, labels, label lists, voids and tracking are valid against the
vendored OpenAPI document (test_shipstation_openapi checks it). The carriers and rates are not:
the document types a service's `carrier_code` and the rate response's `created_at` as ids, wants
the whole shipment beside the rates and has no `rate_details`; answers built from its examples
stand in for them there.

Amounts are written as Decimal so that the JSON the mock sends carries them digit for digit,
as ShipStation does (12.34, not 12.339999...); `as_json` turns a fixture into that text.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

API = "https://api.shipstation.com/v2"
KEY = "TEST_KEY_not_a_secret"
SHIPPER_PHONE = "+15125550199"  # a fictional 555-01xx number
PDF = b"%PDF-1.4\n% label for 9405511899223197428490\n%%EOF\n"


class _DecimalText(json.JSONEncoder):
    def encode(self, o: Any) -> str:
        # Decimals as bare numbers with exactly their digits (no float in between).
        return super().encode(_mark(o)).replace('"<<', "").replace('>>"', "")


def _mark(o: Any) -> Any:
    if isinstance(o, Decimal):
        return f"<<{o}>>"
    if isinstance(o, dict):
        return {k: _mark(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_mark(v) for v in o]
    return o


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=_DecimalText).encode()


def money(amount: str, currency: str = "usd") -> dict[str, Any]:
    return {"currency": currency, "amount": Decimal(amount)}


CARRIERS = {
    "carriers": [
        {
            "carrier_id": "se-100001",
            "carrier_code": "usps",
            "account_number": "test_account",
            "requires_funded_amount": True,
            "balance": 100.0,
            "nickname": "ShipStation USPS",
            "friendly_name": "USPS",
            "primary": True,
            "has_multi_package_supporting_services": False,
            "supports_label_messages": True,
            "services": [
                {
                    "carrier_id": "se-100001",
                    "carrier_code": "usps",
                    "service_code": "usps_ground_advantage",
                    "name": "USPS Ground Advantage",
                    "domestic": True,
                    "international": False,
                    "is_multi_package_supported": False,
                },
                {
                    "carrier_id": "se-100001",
                    "carrier_code": "usps",
                    "service_code": "usps_priority_mail",
                    "name": "USPS Priority Mail",
                    "domestic": True,
                    "international": False,
                    "is_multi_package_supported": False,
                },
                {
                    "carrier_id": "se-100001",
                    "carrier_code": "usps",
                    "service_code": "usps_priority_mail_international",
                    "name": "USPS Priority Mail Intl",
                    "domestic": False,
                    "international": True,
                    "is_multi_package_supported": False,
                },
            ],
            "packages": [],
            "options": [],
        },
        {
            "carrier_id": "se-100002",
            "carrier_code": "ups",
            "account_number": "test_account_ups",
            "requires_funded_amount": False,
            "balance": 0.0,
            "nickname": "UPS",
            "friendly_name": "UPS",
            "primary": False,
            "services": [
                {
                    "carrier_id": "se-100002",
                    "carrier_code": "ups",
                    "service_code": "ups_ground",
                    "name": "UPS® Ground",
                    "domestic": True,
                    "international": False,
                    "is_multi_package_supported": True,
                }
            ],
        },
    ],
    "request_id": "1f1a7c2e-0000-4000-8000-000000000001",
    "errors": [],
}


def _rate(rate_id: str, carrier: str, service_code: str, service_type: str, **kw: Any) -> dict:
    carrier_id, friendly = {"usps": ("se-100001", "USPS"), "ups": ("se-100002", "UPS")}[carrier]
    return {
        "rate_id": rate_id,
        "rate_type": "shipment",
        "carrier_id": carrier_id,
        "shipping_amount": kw.get("shipping", money("0")),
        "insurance_amount": kw.get("insurance", money("0")),
        "confirmation_amount": kw.get("confirmation", money("0")),
        "other_amount": kw.get("other", money("0")),
        "rate_details": [],
        "zone": 5,
        "package_type": "package",
        "delivery_days": kw.get("delivery_days", 3),
        "guaranteed_service": False,
        "estimated_delivery_date": kw.get("estimated", "2025-06-12T00:00:00Z"),
        "carrier_delivery_days": str(kw.get("delivery_days", 3)),
        "ship_date": "2025-06-09T00:00:00Z",
        "negotiated_rate": False,
        "service_type": service_type,
        "service_code": service_code,
        "trackable": True,
        "carrier_code": carrier,
        "carrier_nickname": friendly,
        "carrier_friendly_name": friendly,
        "validation_status": "valid",
        "warning_messages": [],
        "error_messages": [],
    }


RATES_OK = {
    "rate_response": {
        "rates": [
            _rate(
                "se-rate-ga",
                "usps",
                "usps_ground_advantage",
                "USPS Ground Advantage",
                shipping=money("12.34"),
                delivery_days=5,
                estimated="2025-06-14T00:00:00Z",
            ),
            # 0.1 + 0.2 and a half cent: exact only through Decimal (as floats, 0.30000000000000004
            # and 2.675 * 100 = 267.49999999999997).
            _rate(
                "se-rate-pm",
                "usps",
                "usps_priority_mail",
                "USPS Priority Mail",
                shipping=money("0.1"),
                other=money("0.2"),
                confirmation=money("2.675"),
                insurance=money("1.05"),
                delivery_days=2,
                estimated="2025-06-11T15:00:00-07:00",
            ),
            _rate(
                "se-rate-ups",
                "ups",
                "ups_ground",
                "UPS® Ground",
                shipping=money("9.99"),
                delivery_days=None,
                estimated=None,
            ),
            # Billed in another currency: we cannot sell it in dollars, so it is left out.
            _rate(
                "se-rate-cad",
                "ups",
                "ups_ground",
                "UPS® Ground",
                shipping=money("14.00", "cad"),
            ),
        ],
        "invalid_rates": [
            {
                **_rate("se-rate-bad", "usps", "usps_priority_mail_express", "USPS PM Express"),
                "validation_status": "invalid",
                "error_messages": ["Service not available for this destination."],
            }
        ],
        "rate_request_id": "se-rr-1",
        "shipment_id": "se-shipment-1",
        "created_at": "2025-06-09T10:00:00.000Z",
        "status": "completed",
        "errors": [],
    },
    "shipment_id": "se-shipment-1",
    "carrier_id": "se-100001",
    "service_code": None,
    "ship_date": "2025-06-09T00:00:00Z",
}


def rates_answer(
    rates: list | None = None, errors: list | None = None, invalid: list | None = None
) -> dict[str, Any]:
    return {
        "rate_response": {
            "rates": rates or [],
            "invalid_rates": invalid or [],
            "rate_request_id": "se-rr-2",
            "shipment_id": "se-shipment-2",
            "created_at": "2025-06-09T10:00:00.000Z",
            "status": "error" if errors else "completed",
            "errors": errors or [],
        },
        "shipment_id": "se-shipment-2",
    }


ADDRESS_ERROR = {
    "error_source": "carrier",
    "error_type": "validation",
    "error_code": "invalid_address",
    "message": "  Ship To: the ZIP code 99999\n does not exist.  ",
}
CARRIER_DISCONNECTED = {
    "error_source": "ShipStation",
    "error_type": "business_rules",
    "error_code": "carrier_disconnected",
    "message": "The carrier account se-100002 is disconnected; reconnect it.",
}
CARRIER_SYSTEM_ERROR = {
    "error_source": "carrier",
    "error_type": "system",
    "error_code": "unspecified",
    "message": "UPS did not respond. Please try again in a few minutes.",
}
RATES_PARTIAL = rates_answer(
    rates=[RATES_OK["rate_response"]["rates"][2]], errors=[CARRIER_SYSTEM_ERROR]
)


def envelope(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": "aa3d8e8e-462b-4476-9618-72db7f7b7009", "errors": list(errors)}


ERROR_401 = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "security",
        "error_code": "unauthorized",
        "message": "The API key is invalid. Please see https://docs.shipstation.com",
    }
)
ERROR_400_ADDRESS = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "validation",
        "error_code": "invalid_field_value",
        "message": "Invalid postal code for the ship to address.",
    }
)
ERROR_400_OTHER = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "business_rules",
        "error_code": "invalid_status",
        "message": "This rate has expired. Request new rates.",
    }
)
ERROR_404 = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "validation",
        "error_code": "invalid_identifier",
        "message": "Label se-999 was not found.",
    }
)
ERROR_429 = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "system",
        "error_code": "rate_limit_exceeded",
        "message": "You have exceeded the rate limit.",
    }
)
ERROR_500 = envelope(
    {
        "error_source": "ShipStation",
        "error_type": "system",
        "error_code": "unspecified",
        "message": "An unknown error occurred.",
    }
)

LABEL_PDF_URL = f"{API}/downloads/10/F13bA/label-123456.pdf"
LABEL = {
    "label_id": "se-label-123456",
    "status": "completed",
    "shipment_id": "se-shipment-1",
    "ship_date": "2025-06-09T00:00:00Z",
    "created_at": "2025-06-09T10:01:00.000Z",
    "shipment_cost": money("12.34"),
    "insurance_cost": money("1.05"),
    "tracking_number": "9405511899223197428490",
    "is_return_label": False,
    "rma_number": None,
    "is_international": False,
    "carrier_id": "se-100001",
    "service_code": "usps_ground_advantage",
    "package_code": "package",
    "voided": False,
    "voided_at": None,
    "label_format": "pdf",
    "display_scheme": "label",
    "label_layout": "4x6",
    "trackable": True,
    "label_image_id": None,
    "carrier_code": "usps",
    "tracking_status": "in_transit",
    "label_download": {
        "pdf": LABEL_PDF_URL,
        "png": f"{API}/downloads/10/F13bA/label-123456.png",
        "zpl": f"{API}/downloads/10/F13bA/label-123456.zpl",
        "href": LABEL_PDF_URL,
    },
    "form_download": None,
    "insurance_claim": None,
    "packages": [],
    "charge_event": "carrier_default",
}

VOID_APPROVED = {"approved": True, "message": "Request for refund submitted.  "}
VOID_REFUSED = {
    "approved": False,
    "message": "Unable to void: the label was already used.",
    "reason_code": "label_already_used",
}


def labels_page(*labels: dict[str, Any]) -> dict[str, Any]:
    """GET /labels: one page holding these labels."""
    first = {"href": f"{API}/labels?page=1&page_size=25"}
    return {
        "labels": list(labels),
        "total": len(labels),
        "page": 1,
        "pages": 1 if labels else 0,
        "links": {"first": first, "last": first, "prev": {}, "next": {}},
    }


TRACKING = {
    "tracking_number": "9405511899223197428490",
    "status_code": "IN_TRANSIT",
    "status_detail_code": "IN_TRANSIT",
    "status_description": "In Transit",
    "carrier_status_code": "OF",
    "carrier_status_description": "Out for Delivery, Expected Delivery by 9:00pm",
    "ship_date": "2025-06-09T11:59:03.289Z",
    "estimated_delivery_date": "2025-06-12T11:59:03.289Z",
    "events": [
        {
            "occurred_at": "2025-06-09T12:32:00Z",
            "description": "Accepted at USPS Origin Facility",
            "city_locality": "OCEANSIDE",
            "state_province": "CA",
            "postal_code": "92056",
            "country_code": "US",
            "company_name": "",
            "signer": "",
            "event_code": "OA",
            "carrier_detail_code": "OA",
            "status_code": "RECEIVED_BY_CARRIER",
            "status_description": "Accepted",
            "carrier_status_code": "OA",
            "carrier_status_description": "Accepted at USPS Origin Facility",
        },
        {
            "occurred_at": "2025-06-12T07:10:00Z",
            "description": "Out for Delivery",
            "city_locality": "HOUSTON",
            "state_province": "TX",
            "postal_code": "77002",
            "country_code": "US",
            "company_name": "",
            "signer": "",
            "event_code": "OF",
            "carrier_detail_code": "OF",
            "status_code": "IN_TRANSIT",
            "status_description": "In Transit",
            "carrier_status_code": "OF",
            "carrier_status_description": "Out for Delivery",
        },
        {
            "occurred_at": "2025-06-10T22:04:00Z",
            "description": "In Transit to Next Facility",
            "city_locality": "",
            "state_province": "TX",
            "postal_code": "",
            "event_code": "NT",
            "carrier_detail_code": "NT",
            "status_code": "IN_TRANSIT",
            "status_description": "In Transit",
            "carrier_status_code": "NT",
            "carrier_status_description": "In Transit to Next Facility",
        },
    ],
}
