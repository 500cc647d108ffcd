"""What the bot says about an input that breaks a rule: the problem, then an example (G7)."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from shipbot.bot.ui.label_texts import field_name
from shipbot.domain.errors import Rejected


def _examples() -> dict[str, str]:
    return {
        "name": _("Example: John Smith"),
        "company": _("Example: Acme Trading LLC"),
        "street1": _("Example: 215 Clayton St Apt 4 or PO Box 123"),
        "street2": _("Example: Apt 4 or Suite 200"),
        "city": _("Example: San Francisco"),
        "state": _("Example: CA or California"),
        "zip": _("Example: 94117 or 94117-1234"),
        "phone": _("Example: 415-555-0100"),
        "weight": _("Examples: 2, 2.5 lb, 32 oz, 2 lb 4 oz, 1.2 kg"),
        "dimensions": _("Example: 12x10x8 (inches) or 30x25x20 cm"),
        "address": _(
            "Example:\nJohn Smith\n215 Clayton St Apt 4\nSan Francisco, CA 94117\n415-555-0100"
        ),
        "label": _("Example: Home or Warehouse"),
        "amount": _("Example: 25 or 150.50"),
    }


def _problem(rejected: Rejected) -> str:
    field = field_name(rejected.field)
    params = {key: escape(str(value)) for key, value in rejected.params.items()}
    problem = rejected.problem
    if problem == "empty":
        return _("{field} cannot be empty.").format(field=field)
    if problem == "length" and "min" in params:
        return _("{field} must be {min} to {max} characters long.").format(field=field, **params)
    if problem == "length":
        return _("{field} must be at most {max} characters long.").format(field=field, **params)
    if problem == "characters" and rejected.field == "city":
        return _("The city can use only letters, spaces and . ' - (not: {chars}).").format(**params)
    if problem == "characters":
        return _(
            "{field} can use only Latin letters, digits, spaces and . , ' - & / # (not: {chars})."
        ).format(field=field, **params)
    messages = {
        ("street1", "needs_number"): _(
            "The street address needs a house number (or write a PO Box)."
        ),
        ("state", "unknown"): _("“{value}” is not a US state or territory."),
        ("zip", "format"): _("A ZIP code is 5 digits, optionally with 4 more."),
        ("zip", "unknown"): _("ZIP code {zip} does not exist."),
        ("zip", "mismatch"): _("{zip} is in {actual}, not {state}."),
        ("city", "not_in_zip"): _(
            "“{value}” is not a city of ZIP code {zip}. Its cities: {cities}."
        ),
        ("address", "two_addresses"): _(
            "I found two addresses in this message. Please send one address per message."
        ),
        ("phone", "format"): _("This does not look like a US phone number."),
        ("phone", "not_us"): _("Only US phone numbers are accepted."),
        ("weight", "format"): _("I could not read the weight."),
        ("weight", "too_light"): _("The weight must be at least {minimum}."),
        ("weight", "too_heavy"): _("The weight must be at most {maximum}."),
        ("dimensions", "format"): _("Send length, width and height in one message."),
        ("dimensions", "side_short"): _("Every side must be at least {minimum}."),
        ("dimensions", "side_long"): _("No side may be longer than {maximum}."),
        ("dimensions", "girth"): _(
            "Length plus girth is {total}; the limit is {maximum} (girth = 2 × width + 2 × height)."
        ),
        ("label", "taken"): _("You already have an address called “{label}”."),
        ("label", "already_saved"): _("This address is already in your address book as “{label}”."),
        ("amount", "format"): _("Send the amount in dollars, digits only."),
        ("amount", "too_small"): _("The smallest top-up is {minimum}."),
        ("amount", "too_large"): _("The largest top-up is {maximum}."),
        ("label", "book_full"): _(
            "Your address book is full ({max} addresses). Delete one to save another."
        ),
    }
    if (rejected.field, problem) == ("address", "missing"):
        missing = ", ".join(field_name(name) for name in rejected.params["fields"])
        return _("I could not find these parts of the address: {fields}.").format(fields=missing)
    template = messages.get((rejected.field, problem))
    if template is None:
        return _("{field} is not valid.").format(field=field)
    return template.format(**params)


def rejection_text(rejected: Rejected) -> str:
    example = _examples().get(rejected.field, "")
    return f"⚠️ {_problem(rejected)}\n{example}".rstrip()
