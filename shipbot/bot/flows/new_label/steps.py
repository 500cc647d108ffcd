"""Moving between steps: each step renders its own prompt, every move is remembered for Back.

A step is an FSM state with a renderer. `show_step` enters a step and asks its question
(editing the live prompt in place when its button was pressed); `reask` repeats the current
question after rejected input and stores nothing, so the step stays exactly where it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from shipbot.bot.flows.new_label.conversation import Conversation
from shipbot.bot.flows.new_label.states import Book, Field, Label, Money, Orders, Rates
from shipbot.bot.runtime.prompts import edit_live_prompt, show_prompt
from shipbot.bot.runtime.scope import current_scope
from shipbot.bot.ui.rejections import rejection_text
from shipbot.domain.errors import Rejected

Event = Message | CallbackQuery
Prompt = tuple[str, InlineKeyboardMarkup]
Renderer = Callable[[Conversation, int], Awaitable[Prompt]]

T = TypeVar("T")
# A typed answer to a step; commands are never taken for one (a name "/new", a label "/help").
ANSWER = F.text & ~F.text.startswith("/")

_renderers: dict[str, Renderer] = {}


def db() -> AsyncSession:
    """The update's session: flows read and stage writes in the update's transaction."""
    return current_scope().session


def renders(step: State) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        _renderers[step.state] = renderer
        return renderer

    return register


async def _prompt(step: str, convo: Conversation, user_id: int, intro: str | None) -> Prompt:
    text, keyboard = await _renderers[step](convo, user_id)
    return (f"{intro}\n\n{text}" if intro else text), keyboard


async def ask(event: Event, step: str, convo: Conversation, intro: str | None = None) -> Message:
    return await show_prompt(event, *await _prompt(step, convo, event.from_user.id, intro))


async def show_step(
    event: Event,
    state: FSMContext,
    convo: Conversation,
    step: State,
    *,
    intro: str | None = None,
    remember: bool = True,
) -> Message:
    await _enter(state, convo, step, remember)
    return await ask(event, step.state, convo, intro)


async def show_step_unprompted(
    bot: Bot, state: FSMContext, convo: Conversation, step: State, *, intro: str | None
) -> None:
    """Move to a step without an update from the user (a payment arrived, SPEC §3.3): its
    question replaces the live prompt, which stays the one prompt of the chat (G4)."""
    await _enter(state, convo, step, remember=False)
    await edit_live_prompt(bot, *await _prompt(step.state, convo, state.key.user_id, intro))


async def _enter(state: FSMContext, convo: Conversation, step: State, remember: bool) -> None:
    current = await state.get_state()
    if remember and current and current != step.state:
        # Remembered with its own role: the caller may have moved on to the next address.
        here = convo.data.get("here") or {}
        convo.push(current, here["role"] if here.get("step") == current else convo.role)
    convo.data["here"] = {"step": step.state, "role": convo.role}
    if convo.in_label_flow and step not in (Label.entry, Label.cancel_confirm):
        # Where "Resume" brings the user back to, whatever they did in between.
        convo.data["resume"] = {"step": step.state, "role": convo.role}
        convo.touch()
    await state.set_state(step)
    await convo.save(state)


async def reask(event: Event, state: FSMContext, intro: str) -> None:
    await ask(event, await state.get_state(), await Conversation.load(state), intro)


async def cleaned(
    event: Event, state: FSMContext, clean: Callable[[str], T], text: str
) -> T | None:
    """What a domain rule makes of the text; None once the question was asked again."""
    try:
        return clean(text)
    except Rejected as rejected:
        await reask(event, state, rejection_text(rejected))
        return None


def step_named(name: str) -> State:
    return _STEPS[name]


_STEPS = {
    step.state: step
    for group in (Label, Field, Rates, Money, Orders, Book)
    for step in group.__all_states__
}
