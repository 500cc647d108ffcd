"""The new label flow (SPEC §3.1): sender, recipient, parcel and review."""

from aiogram import Router

from shipbot.bot.flows.new_label import address, entry, parcel, recipient_check, review

SCREENS = {
    **entry.SCREENS,
    **address.SCREENS,
    **parcel.SCREENS,
    **review.SCREENS,
    **recipient_check.SCREENS,
}


def build_router() -> Router:
    router = Router(name="new-label")
    router.include_routers(
        entry.build_router(),
        address.build_router(),
        parcel.build_router(),
        review.build_router(),
        recipient_check.build_router(),
    )
    return router
