"""One chat's conversation state as a typed model, stored as aiogram's FSM data.

The runtime stores FSM data in the database with the update (G3), so a restart or another
replica continues exactly here. The step the chat is on is the FSM state itself; this model
keeps only what a step cannot tell: each section's data and the way Back goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Literal

from aiogram.fsm.context import FSMContext
from pydantic import BaseModel, Field, PlainSerializer, PlainValidator, PrivateAttr, ValidationError

from shipbot.db.models import utcnow
from shipbot.domain.draft import LabelDraft
from shipbot.domain.errors import Rejected
from shipbot.services.quoting import PricedRate

VERSION = 1
MAX_HISTORY = 40
Role = Literal["sender", "recipient"]
Fields = dict[str, str | None]


class Section(StrEnum):
    """The section entered last. Not the step's group: the address form serves the label and
    the address book, and an invoice is opened from the balance or from an order."""

    label = "label"
    book = "book"
    money = "money"
    orders = "orders"


class ReturnTo(StrEnum):
    """Where an edit returns to when it is done or abandoned."""

    check = "check"  # the parsed-address check
    review = "review"
    book = "book"  # the saved address's screen


class Visited(BaseModel):
    """A step to come back to, with the address role it was shown for."""

    step: str
    role: Role


class Edit(BaseModel):
    """A copy of an address being edited; it replaces the original only when the edit is done."""

    returns_to: ReturnTo
    fields: Fields
    depth: int  # the length of the history when the edit started


class Pending(BaseModel):
    """A transliterated value shown back for confirmation."""

    field: str
    value: str


def _draft(value: LabelDraft | dict[str, Any]) -> LabelDraft:
    return value if isinstance(value, LabelDraft) else LabelDraft.from_dict(value)


StoredDraft = Annotated[LabelDraft, PlainValidator(_draft), PlainSerializer(LabelDraft.to_dict)]


class FieldProblem(BaseModel):
    """Why a pasted address's field was refused, said again when that field is asked."""

    problem: str
    params: dict[str, Any] = {}

    @classmethod
    def of(cls, rejected: Rejected) -> FieldProblem:
        return cls(problem=rejected.problem, params=rejected.params)

    def rejected(self, field: str) -> Rejected:
        return Rejected(field, self.problem, **self.params)


class BookSection(BaseModel):
    address_id: int = 0  # the saved address on screen


class OrdersSection(BaseModel):
    page: int = 0
    viewed: str | None = None  # the order on screen
    from_refunds: bool = False  # opened from the refunds list, where Back returns


class BalanceSection(BaseModel):
    invoice_id: str | None = None


class CarrierProblem(BaseModel):
    kind: str  # the CarrierError's class name
    message: str


class PriceChange(BaseModel):
    old: PricedRate
    new: PricedRate
    quote_id: str
    index: int


class RatesSection(BaseModel):
    quote_id: str | None = None
    problem: CarrierProblem | None = None
    price_change: PriceChange | None = None
    order_id: str | None = None  # the quoted order awaiting payment


class ChatState(BaseModel):
    version: int = VERSION
    section: Section = Section.label
    history: list[Visited] = []  # the way Back goes, within the section entered last
    # The label draft's section is the top level, where chats have always kept `draft` and
    # `fields`; the other sections have theirs below.
    draft: StoredDraft | None = None
    role: Role = "sender"  # whose address is being entered or edited
    fields: Fields = {}  # the address being entered
    # The fields of a pasted address still wrong or missing, asked in this order; the parsed
    # card comes after the last.
    asking: list[str] = []
    refused: dict[str, FieldProblem] = {}  # why, for the asked fields the paste had wrong
    edit: Edit | None = None
    pending: Pending | None = None
    resume: Visited | None = None  # the last step of the label flow, where "Continue" goes
    pick_starts_label: bool = False  # the saved-address pick was opened from the entry screen
    # An address sent outside any flow while a draft was unfinished: "Start a new label"
    # takes it as the new sender, so it need not be sent again.
    pasted: str | None = None
    block: Literal["sender", "recipient", "parcel"] | None = None  # edited from the review
    save_role: Role | None = None  # the address being saved to the book from the review
    correction: Fields | None = None  # the carrier's form of the recipient, to confirm
    book: BookSection = Field(default_factory=BookSection)
    orders: OrdersSection = Field(default_factory=OrdersSection)
    balance: BalanceSection = Field(default_factory=BalanceSection)
    rates: RatesSection = Field(default_factory=RatesSection)
    # The role of the step the chat is on, as stored: a handler may move on to the next
    # address before leaving the step, and Back to the step must restore its own role.
    _step_role: Role = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._step_role = self.role

    @property
    def address(self) -> Fields:
        """The address on screen: the copy being edited, or the one being entered."""
        return self.edit.fields if self.edit else self.fields

    @address.setter
    def address(self, fields: Fields) -> None:
        if self.edit:
            self.edit.fields = fields
        else:
            self.fields = fields

    # --- loading and saving --------------------------------------------------------------

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> ChatState | None:
        """The stored FSM data as a model; None when it cannot be read (an unknown version)."""
        try:
            if "version" not in data:
                return _from_legacy(data)
            return cls.model_validate(data) if data["version"] == VERSION else None
        except (ValidationError, KeyError, TypeError, ValueError):
            return None

    @classmethod
    async def load(cls, state: FSMContext) -> ChatState:
        chat = cls.from_stored(await state.get_data())
        if chat is None:
            # Nothing usable to continue from: the chat starts over rather than fail each step.
            await state.clear()
            return cls()
        return chat

    async def save(self, state: FSMContext) -> None:
        await state.set_data(self.model_dump(mode="json"))
        self._step_role = self.role

    # --- the label draft -----------------------------------------------------------------

    def start_draft(self) -> LabelDraft:
        self.draft = LabelDraft(updated_at=utcnow())
        self.role, self.fields, self.edit, self.pending = "sender", {}, None, None
        self.asking, self.refused = [], {}
        self.history = []
        self.section = Section.label
        self.rates = RatesSection()  # the last draft's unpaid order is not this one's
        return self.draft

    def touch(self) -> None:
        if self.draft:
            self.draft.updated_at = utcnow()

    @property
    def has_progress(self) -> bool:
        """The label draft holds something the user entered, which is lost if it is dropped."""
        draft = self.draft
        return draft is not None and bool(draft.addresses or draft.ounces or self.fields)

    @property
    def in_address_book(self) -> bool:
        """Browsing or editing the address book, which shares the steps but not the draft."""
        return self.section is Section.book

    # --- edits ---------------------------------------------------------------------------

    def start_edit(self, returns_to: ReturnTo, fields: Fields) -> None:
        self.edit = Edit(returns_to=returns_to, fields=dict(fields), depth=len(self.history))

    def end_edit(self, return_step: str) -> Edit:
        """Forget the edit's steps; the step it returns to is shown next, so not kept for Back."""
        edit = self.edit
        self.edit = None
        self.pending = None
        del self.history[edit.depth :]
        while self.history and self.history[-1].step == return_step:
            self.history.pop()
        return edit

    # --- the way back --------------------------------------------------------------------

    def push(self, step: str) -> None:
        self.history.append(Visited(step=step, role=self._step_role))
        del self.history[:-MAX_HISTORY]

    def pop(self) -> Visited | None:
        return self.history.pop() if self.history else None

    def end_at(self, step: str) -> None:
        """Going back to an earlier step: forget the way from it, so Back goes where it did."""
        names = [visited.step for visited in self.history]
        if step in names:
            del self.history[len(names) - 1 - names[::-1].index(step) :]


def _from_legacy(data: Mapping[str, Any]) -> ChatState:
    """The dict of string keys stored before the model (no "version"), with the user's draft;
    `here` is the FSM state again, and an edit's `role` and `book_id` are the chat's own."""
    editing = data.get("editing")
    order = data.get("order") or {}
    return ChatState.model_validate(
        {
            **{key: data[key] for key in _LEGACY_SAME if key in data},
            "section": data.get("context", Section.label),
            "edit": editing and {key: editing[key] for key in Edit.model_fields},
            "book": {"address_id": data.get("book_id", 0)},
            "orders": {
                "page": data.get("orders_page", 0),
                "viewed": data.get("order_view"),
                "from_refunds": data.get("order_from_refunds", False),
            },
            "balance": {"invoice_id": data.get("invoice_id")},
            "rates": {
                "quote_id": data.get("quote_id"),
                "problem": data.get("rates_problem"),
                "price_change": data.get("price_change"),
                "order_id": order.get("id"),
            },
        }
    )


_LEGACY_SAME = (
    "history",
    "draft",
    "role",
    "fields",
    "pending",
    "resume",
    "pick_starts_label",
    "block",
    "save_role",
)
