"""Moving between steps: each step renders its own prompt, every move is remembered for Back.

A step is an FSM state with a renderer, which its flow lists next to its router (`SCREENS`).
`Dialog.show` enters a step and asks its question (editing the live prompt in place when its
button was pressed); `Dialog.reask` repeats the current question after rejected input and
stores nothing, so the step stays exactly where it was. Every handler gets its update's
`dialog` from the `Dialogs` middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiogram import BaseMiddleware, Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.bot.flows.chat_state import ChatState, ReturnTo, Section, Visited
from shipbot.bot.flows.states import Label, step_named
from shipbot.bot.runtime.prompts import edit_live_prompt, show_prompt
from shipbot.bot.runtime.scope import current_scope
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.errors import Rejected

Event = Message | CallbackQuery
Prompt = tuple[str, InlineKeyboardMarkup]
Renderer = Callable[[ChatState, int], Awaitable[Prompt]]
Screens = Mapping[State, Renderer]

T = TypeVar("T")
# A typed answer to a step; commands are never taken for one (a name "/new", a label "/help").
ANSWER = F.text & ~F.text.startswith("/")
# Steps of the label flow that "Continue the draft" does not return to.
_NOT_RESUMED = (Label.entry.state, Label.cancel_confirm.state)


def db() -> AsyncSession:
    """The update's session: flows read and stage writes in the update's transaction."""
    return current_scope().session


async def _prompt(render: Renderer, chat: ChatState, user_id: int, intro: str | None) -> Prompt:
    text, keyboard = await render(chat, user_id)
    return (f"{intro}\n\n{text}" if intro else text), keyboard


async def _enter(state: FSMContext, chat: ChatState, step: State, remember: bool) -> None:
    current = await state.get_state()
    if remember and current and current != step.state:
        chat.push(current)
    if chat.section is Section.label and step.state not in _NOT_RESUMED:
        # Where "Continue the draft" brings the user back to, whatever they did in between.
        chat.resume = Visited(step=step.state, role=chat.role)
        chat.touch()
    await state.set_state(step)
    await chat.save(state)


async def show_unprompted(
    bot: Bot,
    state: FSMContext,
    chat: ChatState,
    step: State,
    render: Renderer,
    *,
    intro: str | None,
) -> None:
    """Move to a step without an update from the user (a payment arrived, SPEC §3.3): its
    question replaces the live prompt, which stays the one prompt of the chat (G4)."""
    await _enter(state, chat, step, remember=False)
    await edit_live_prompt(bot, *await _prompt(render, chat, state.key.user_id, intro))


class Dialog:
    """One update's conversation: the chat's stored state and the way to show its steps."""

    def __init__(self, event: Event, state: FSMContext, screens: Mapping[str, Renderer]) -> None:
        self.event = event
        self.state = state
        self.screens = screens

    async def load(self) -> ChatState:
        return await ChatState.load(self.state)

    async def step(self) -> str | None:
        return await self.state.get_state()

    async def ask(self, step: str, chat: ChatState, intro: str | None = None) -> Message:
        prompt = await _prompt(self.screens[step], chat, self.event.from_user.id, intro)
        return await show_prompt(self.event, *prompt)

    async def show(
        self, chat: ChatState, step: State, *, intro: str | None = None, remember: bool = True
    ) -> Message:
        await _enter(self.state, chat, step, remember)
        return await self.ask(step.state, chat, intro)

    async def enter(
        self, chat: ChatState, section: Section, step: State, *, intro: str | None = None
    ) -> Message:
        """From anywhere into a section at `step`, where its way back starts. An edit in
        progress is dropped, except the label draft's own when going to the label flow:
        "Continue the draft" returns to it."""
        edit = chat.edit
        if edit and (section is not Section.label or edit.returns_to is ReturnTo.book):
            chat.edit = None
        chat.history = []
        chat.section = section
        return await self.show(chat, step, intro=intro, remember=False)

    async def back(self, chat: ChatState) -> bool:
        """To the step before this one, for the role it was shown for; False at the first."""
        previous = chat.pop()
        if previous is None:
            return False
        if previous.role != chat.role:
            chat.role = previous.role
            draft = chat.draft
            address = draft.addresses.get(previous.role) if draft else None
            chat.address = address.to_dict() if address else {}
        await self.show(chat, step_named(previous.step), remember=False)
        return True

    async def reask(self, intro: str) -> None:
        await self.ask(await self.step(), await self.load(), intro)

    async def cleaned(self, clean: Callable[[str], T], text: str) -> T | None:
        """What a domain rule makes of the text; None once the question was asked again."""
        try:
            return clean(text)
        except Rejected as rejected:
            await self.reask(rejection_text(rejected))
            return None


class Dialogs(BaseMiddleware):
    """Hands each handler its update's `dialog`, with the screens of every flow's steps."""

    def __init__(self, *screens: Screens) -> None:
        self.screens = {step.state: render for table in screens for step, render in table.items()}

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: Event,
        data: dict[str, Any],
    ) -> Any:
        data["dialog"] = Dialog(event, data["state"], self.screens)
        return await handler(event, data)
