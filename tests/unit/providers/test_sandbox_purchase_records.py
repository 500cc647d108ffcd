"""The sandbox carrier remembers what it sold, across processes, so an interrupted purchase
can be reconciled (find_label)."""

from decimal import Decimal

from shipbot.domain.address import Address
from shipbot.domain.parcel import PRESETS
from shipbot.providers.carriers.base import Shipment
from shipbot.providers.carriers.sandbox import SandboxCarrier

SHIPMENT = Shipment(
    ship_from=Address("John Smith", "215 Clayton St", "San Francisco", "CA", "94117"),
    ship_to=Address("Jane Doe", "350 5th Ave", "New York", "NY", "10118"),
    ounces=Decimal("40"),
    dimensions=PRESETS["medium"],
)


async def test_a_bought_label_is_found_by_another_process(tmp_path):
    seller = SandboxCarrier(purchases_dir=tmp_path)
    first, second = (await seller.quote(SHIPMENT))[:2]
    bought = await seller.buy_label(first, SHIPMENT)

    after_restart = SandboxCarrier(purchases_dir=tmp_path)
    found = await after_restart.find_label(first, SHIPMENT)
    assert (found.label_id, found.tracking_number) == (bought.label_id, bought.tracking_number)
    assert found.pdf == bought.pdf
    assert await after_restart.find_label(second, SHIPMENT) is None


async def test_without_a_directory_purchases_are_remembered_in_memory():
    carrier = SandboxCarrier()
    rate = (await carrier.quote(SHIPMENT))[0]
    assert await carrier.find_label(rate, SHIPMENT) is None
    bought = await carrier.buy_label(rate, SHIPMENT)
    assert (await carrier.find_label(rate, SHIPMENT)).label_id == bought.label_id
