"""The new label flow (SPEC §3.1): sender, recipient, parcel and review."""

from aiogram import Router

from shipbot.bot.flows.new_label import address, entry, parcel, review

router = Router(name="new-label")
router.include_routers(entry.router, address.router, parcel.router, review.router)
