"""The dashboard's SVG charts: well-formed XML, one bar per bucket and series with heights
proportional to the values (negative ones below the zero line), hover titles in dollars,
hostile names escaped, nothing that runs or fetches, and empty, all-zero and one-bucket data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from shipbot.services.stats import (
    Bucket,
    BucketFigures,
    CarrierLabels,
    Dashboard,
    Figures,
    Period,
)
from shipbot.web.admin.charts import COUNT, MONEY, Series, bar_chart, carrier_chart, revenue_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&'


def make_dashboard(
    charges: list[int], costs: list[int], carriers: dict[tuple[str, str], list[int]] | None = None
) -> Dashboard:
    first = date(2026, 11, 23)  # a Monday
    period = Period.custom(first, first + timedelta(days=len(charges) - 1))
    buckets = tuple(
        BucketFigures(
            first + timedelta(days=n), Figures(label_charges_cents=c, carrier_cost_cents=k)
        )
        for n, (c, k) in enumerate(zip(charges, costs, strict=True))
    )
    by_carrier = tuple(
        CarrierLabels(code, name, tuple(counts))
        for (code, name), counts in (carriers or {}).items()
    )
    return Dashboard(period, Bucket.DAY, buckets, Figures(), by_carrier, 0, 0, (), ())


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 800 320"
    return root


def bars(root: ET.Element, series: int | None = None) -> list[ET.Element]:
    found = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    return [bar for bar in found if series is None or bar.get("data-series") == str(series)]


def height(bar: ET.Element) -> float:
    return float(bar.get("height"))


def tip(bar: ET.Element) -> str:
    return bar.find(f"{SVG}title").text


def zero_line(root: ET.Element) -> float:
    lines = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == "#6b7280"]
    assert len(lines) == 1
    return float(lines[0].get("y1"))


def test_one_bar_per_bucket_and_series_with_heights_proportional_to_values():
    charges = [120_00, 0, 45_50, 300_00, 80_00, 5_00, 210_00]
    costs = [100_00, 0, 40_00, 250_00, 90_00, 0, 180_00]
    root = parse(revenue_chart(make_dashboard(charges, costs)))
    revenue, profit = bars(root, 0), bars(root, 1)
    assert len(revenue) == len(profit) == 7 and len(bars(root)) == 14
    scale = height(revenue[0]) / charges[0]
    for bar, value in zip(revenue, charges, strict=True):
        assert height(bar) == pytest.approx(value * scale, abs=0.01)
    baseline = zero_line(root)
    for bar, value in zip(
        profit, [c - k for c, k in zip(charges, costs, strict=True)], strict=True
    ):
        assert height(bar) == pytest.approx(abs(value) * scale, abs=0.01)
        top = float(bar.get("y"))
        # Profit above the zero line when positive, hanging below it when negative.
        assert top == pytest.approx(baseline - height(bar) if value >= 0 else baseline, abs=0.01)
    assert [float(bar.get("x")) for bar in revenue] == sorted(
        float(bar.get("x")) for bar in revenue
    )


def test_hover_titles_and_the_legend_show_dollars():
    root = parse(revenue_chart(make_dashboard([1_234_56, 7_00], [1_000_00, 9_50])))
    assert [tip(bar) for bar in bars(root, 0)] == [
        "Nov 23, 2026 · Revenue: $1,234.56",
        "Nov 24, 2026 · Revenue: $7.00",
    ]
    assert tip(bars(root, 1)[1]) == "Nov 24, 2026 · Gross profit: -$2.50"
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Revenue: $1,241.56" in texts and "Gross profit: $232.06" in texts
    assert "$1,235" in texts  # the short value on the bar
    assert "Nov 23" in texts and "Nov 24" in texts
    ticks = [text.text for text in root.find(f"{SVG}g[@class='grid']").iter(f"{SVG}text")]
    assert ticks == ["-$500", "$0", "$500", "$1,000", "$1,500"]  # zero on the axis, 1-2-5 steps


def test_labels_by_carrier_stack_to_each_buckets_total():
    carriers = {("stamps_com", "USPS"): [3, 0, 5], ("ups", "UPS"): [1, 0, 5]}
    root = parse(carrier_chart(make_dashboard([0, 0, 0], [0, 0, 0], carriers)))
    usps, ups = bars(root, 0), bars(root, 1)
    assert len(usps) == len(ups) == 2  # nothing sold on the second day: no segment
    unit = height(usps[0]) / 3
    assert [height(b) / unit for b in usps + ups] == pytest.approx([3, 5, 1, 5])
    # UPS sits on top of USPS in the same column.
    assert float(ups[0].get("x")) == float(usps[0].get("x"))
    assert float(ups[0].get("y")) + height(ups[0]) == pytest.approx(float(usps[0].get("y")))
    assert tip(ups[1]) == "Nov 25, 2026 · UPS: 5"
    assert "10" in [text.text for text in root.iter(f"{SVG}text")]  # the day's total


def test_a_hostile_carrier_name_is_text_not_markup():
    carriers = {("x", HOSTILE): [2]}
    svg = carrier_chart(make_dashboard([0], [0], carriers))
    root = parse(svg)
    assert not [element for element in root.iter() if "script" in element.tag.lower()]
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert tip(bars(root)[0]) == f"Nov 23, 2026 · {HOSTILE}: 2"
    assert f"{HOSTILE}: 2" in [text.text for text in root.iter(f"{SVG}text")]
    hostile_title = bar_chart(HOSTILE, ["a"], [Series("s", [1])], COUNT)
    assert parse(hostile_title).get("aria-label") == HOSTILE


def test_nothing_runs_or_is_fetched():
    svg = revenue_chart(make_dashboard([5_00, 6_00], [1_00, 2_00]))
    root = parse(svg)
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "title", "text", "rect", "line", "g"}
    attributes = {name for element in root.iter() for name in element.attrib}
    assert not {name for name in attributes if name.startswith("on") or "href" in name}
    assert "url(" not in svg and svg.count("http") == 1  # the xmlns only


def test_empty_data_draws_a_frame_with_a_note():
    for svg in [
        bar_chart("Revenue", [], [], MONEY),
        carrier_chart(make_dashboard([0, 0], [0, 0])),  # no carrier sold anything
    ]:
        root = parse(svg)
        assert bars(root) == []
        assert "No data for this period" in [text.text for text in root.iter(f"{SVG}text")]


def test_all_zero_data_has_flat_bars_and_an_axis_from_zero():
    root = parse(revenue_chart(make_dashboard([0, 0, 0], [0, 0, 0])))
    assert len(bars(root)) == 6 and all(height(bar) == 0 for bar in bars(root))
    ticks = [text.text for text in root.find(f"{SVG}g[@class='grid']").iter(f"{SVG}text")]
    assert ticks[0] == "$0" and ticks[-1] == "$1"


def test_a_single_bucket_is_centred_and_not_a_wall():
    root = parse(revenue_chart(make_dashboard([50_00], [20_00])))
    revenue, profit = bars(root)
    assert float(revenue.get("width")) <= 64
    middle = (float(revenue.get("x")) + float(profit.get("x")) + float(profit.get("width"))) / 2
    assert middle == pytest.approx(76 + (800 - 76 - 16) / 2)


def test_many_buckets_keep_at_most_twelve_day_labels():
    days = 90
    root = parse(
        bar_chart("Labels", [str(n) for n in range(days)], [Series("n", [1] * days)], COUNT)
    )
    assert len(bars(root)) == days
    labels = root.find(f"{SVG}g[@class='x-labels']")
    assert 1 < len(list(labels)) <= 12


def test_mismatched_or_negative_stacked_series_are_refused():
    with pytest.raises(ValueError, match="has 1 values, not 2"):
        bar_chart("t", ["a", "b"], [Series("s", [1])], COUNT)
    with pytest.raises(ValueError, match="cannot be stacked"):
        bar_chart("t", ["a"], [Series("s", [-1])], COUNT, stacked=True)
