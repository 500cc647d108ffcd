"""Every rule the domain can break has its own message, naming the problem, with an example,
in English and Russian (G7)."""

from __future__ import annotations

from html import escape

import pytest

from shipbot.bot.ui.i18n import build_i18n
from shipbot.bot.ui.label_texts import field_name
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.errors import Rejected

RAISED = [
    Rejected(field, "empty")
    for field in (
        "name",
        "company",
        "street1",
        "street2",
        "city",
        "label",
        "state",
        "zip",
        "phone",
        "weight",
        "dimensions",
    )
] + [
    Rejected("name", "length", min=2, max=35),
    Rejected("company", "characters", chars="@!"),
    Rejected("street1", "length", min=3, max=35),
    Rejected("street1", "characters", chars="<>"),
    Rejected("street1", "needs_number"),
    Rejected("street2", "length", max=35),
    Rejected("city", "length", min=2, max=30),
    Rejected("city", "characters", chars="7"),
    Rejected("label", "length", min=1, max=30),
    Rejected("label", "taken", label="Home"),
    Rejected("label", "book_full", max=20),
    Rejected("label", "already_saved", label="Home"),
    Rejected("state", "unknown", value="Narnia"),
    Rejected("zip", "format"),
    Rejected("zip", "unknown", zip="00000"),
    Rejected("zip", "mismatch", zip="94117", state="NY", actual="CA"),
    Rejected("phone", "format"),
    Rejected("phone", "not_us"),
    Rejected("weight", "format"),
    Rejected("weight", "too_light", minimum="1 oz"),
    Rejected("weight", "too_heavy", maximum="150 lb"),
    Rejected("dimensions", "format"),
    Rejected("dimensions", "side_short", minimum="1 in"),
    Rejected("dimensions", "side_long", maximum="108 in"),
    Rejected("dimensions", "girth", total="166 in", maximum="165 in"),
    Rejected("address", "missing", fields=("street1", "zip")),
    Rejected("city", "not_in_zip", value="Oakland", zip="94117", cities="San Francisco"),
    Rejected("address", "two_addresses"),
    Rejected("amount", "empty"),
    Rejected("amount", "format"),
    Rejected("amount", "too_small", minimum="$10.00"),
    Rejected("amount", "too_large", maximum="$10,000.00"),
]


@pytest.fixture(scope="module")
def i18n():
    return build_i18n()


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("rejected", RAISED, ids=repr)
def test_each_rejection_has_a_specific_message_with_an_example(i18n, locale, rejected):
    with i18n.context(), i18n.use_locale(locale):
        text = rejection_text(rejected)
        generic = i18n.gettext("{field} is not valid.").format(field=field_name(rejected.field))
    assert generic not in text
    assert ("Example" if locale == "en" else "Пример") in text
    for value in rejected.params.values():
        if isinstance(value, str):
            assert escape(value) in text


@pytest.mark.parametrize(
    ("rejected", "message"),
    [
        (
            Rejected("zip", "mismatch", zip="94117", state="NY", actual="CA"),
            "94117 is in CA, not NY",
        ),
        (Rejected("weight", "too_heavy", maximum="150 lb"), "at most 150 lb"),
        (Rejected("dimensions", "girth", total="166 in", maximum="165 in"), "166 in"),
        (Rejected("address", "missing", fields=("street1", "zip")), "Street, ZIP code"),
        (Rejected("city", "characters", chars="<7>"), "(not: &lt;7&gt;)"),
    ],
)
def test_messages_name_the_problem(i18n, rejected, message):
    with i18n.context(), i18n.use_locale("en"):
        assert message in rejection_text(rejected)
