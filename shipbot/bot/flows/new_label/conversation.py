"""The flow's FSM data under names: the draft, the address being entered, the way back.

Everything lives in aiogram's FSM data, which the runtime stores in the database with the
update (G3), so a restart or another replica continues exactly here.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext

from shipbot.bot.flows.new_label.states import Book, Label
from shipbot.db.models import utcnow
from shipbot.domain.draft import LabelDraft

MAX_HISTORY = 40
# Where an edit returns to when it is done or abandoned.
RETURN_STEPS = {"check": Label.check_address, "review": Label.review, "book": Book.view}


class Conversation:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    async def load(cls, state: FSMContext) -> Conversation:
        return cls(await state.get_data())

    async def save(self, state: FSMContext) -> None:
        await state.set_data(self.data)

    @property
    def draft(self) -> LabelDraft | None:
        stored = self.data.get("draft")
        return LabelDraft.from_dict(stored) if stored else None

    @draft.setter
    def draft(self, draft: LabelDraft | None) -> None:
        self.data["draft"] = draft.to_dict() if draft else None

    def start_draft(self) -> LabelDraft:
        draft = LabelDraft(updated_at=utcnow())
        self.data.update(
            draft=draft.to_dict(), role="sender", fields={}, history=[], context="label"
        )
        self.data.pop("editing", None)
        self.data.pop("pending", None)
        return draft

    def touch(self) -> None:
        if draft := self.draft:
            draft.updated_at = utcnow()
            self.draft = draft

    @property
    def in_label_flow(self) -> bool:
        """Describing a label, as opposed to the address book or the balance screens."""
        return self.data.get("context", "label") == "label"

    @property
    def in_address_book(self) -> bool:
        """Browsing or editing the address book, which shares the steps but not the draft."""
        return self.data.get("context") == "book"

    @in_address_book.setter
    def in_address_book(self, value: bool) -> None:
        self.data["context"] = "book" if value else "label"

    @property
    def role(self) -> str:
        return self.data.get("role", "sender")

    @role.setter
    def role(self, role: str) -> None:
        self.data["role"] = role

    @property
    def editing(self) -> dict[str, Any] | None:
        return self.data.get("editing")

    def start_edit(self, returns_to: str, fields: dict[str, Any], **extra: Any) -> None:
        """Edit a copy of an address; it replaces the original only when the edit is done."""
        self.data["editing"] = {
            "returns_to": returns_to,
            "fields": dict(fields),
            "depth": len(self.history),
            **extra,
        }

    def end_edit(self) -> dict[str, Any]:
        """Forget the edit's steps; the step it returns to is shown next, so not kept for Back."""
        editing = self.data.pop("editing")
        self.data.pop("pending", None)
        del self.history[editing["depth"] :]
        return_step = RETURN_STEPS[editing["returns_to"]].state
        while self.history and self.history[-1]["step"] == return_step:
            self.history.pop()
        return editing

    @property
    def fields(self) -> dict[str, Any]:
        """The address being entered, or the copy being edited."""
        if self.editing:
            return self.editing["fields"]
        return self.data.setdefault("fields", {})

    @fields.setter
    def fields(self, fields: dict[str, Any]) -> None:
        if self.editing:
            self.editing["fields"] = fields
        else:
            self.data["fields"] = fields

    @property
    def history(self) -> list[dict[str, str]]:
        return self.data.setdefault("history", [])

    def push(self, step: str, role: str) -> None:
        self.history.append({"step": step, "role": role})
        del self.history[:-MAX_HISTORY]

    def end_at(self, step) -> None:
        """Going back to an earlier step: forget the way from it, so Back goes where it did."""
        names = [entry["step"] for entry in self.history]
        if step.state in names:
            del self.history[len(names) - 1 - names[::-1].index(step.state) :]

    def pop(self) -> dict[str, str] | None:
        return self.history.pop() if self.history else None
