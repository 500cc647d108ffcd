"""The shipment a customer is describing, kept with the conversation until it is reviewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shipbot.domain.address import Address
from shipbot.domain.parcel import Dimensions

DRAFT_LIFETIME = timedelta(hours=24)
ROLES = ("sender", "recipient")


@dataclass
class LabelDraft:
    updated_at: datetime
    addresses: dict[str, Address] = field(default_factory=dict)  # by role
    ounces: Decimal | None = None
    dimensions: Dimensions | None = None
    # The recipient as the carrier checked it and the user confirmed it, and whether the
    # carrier says it is a home; both None until the check.
    checked_recipient: Address | None = None
    residential: bool | None = None

    @property
    def recipient_checked(self) -> bool:
        recipient = self.addresses.get("recipient")
        return recipient is not None and recipient == self.checked_recipient

    def is_expired(self, now: datetime) -> bool:
        return now - self.updated_at > DRAFT_LIFETIME

    @property
    def is_complete(self) -> bool:
        return all(role in self.addresses for role in ROLES) and bool(
            self.ounces and self.dimensions
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "updated_at": self.updated_at.isoformat(),
            "addresses": {role: address.to_dict() for role, address in self.addresses.items()},
            "ounces": str(self.ounces) if self.ounces is not None else None,
            "dimensions": dimensions_to_list(self.dimensions),
            "checked_recipient": self.checked_recipient and self.checked_recipient.to_dict(),
            "residential": self.residential,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelDraft:
        checked = data.get("checked_recipient")
        return cls(
            updated_at=datetime.fromisoformat(data["updated_at"]),
            addresses={
                role: Address.from_dict(values) for role, values in data["addresses"].items()
            },
            ounces=Decimal(data["ounces"]) if data.get("ounces") else None,
            dimensions=dimensions_from_list(data.get("dimensions")),
            checked_recipient=checked and Address.from_dict(checked),
            residential=data.get("residential"),
        )


def dimensions_to_list(dimensions: Dimensions | None) -> list[str] | None:
    if dimensions is None:
        return None
    return [str(dimensions.length), str(dimensions.width), str(dimensions.height)]


def dimensions_from_list(sides: list[str] | None) -> Dimensions | None:
    return Dimensions(*(Decimal(side) for side in sides)) if sides else None
