"""Server-side SVG bar charts for the admin dashboard (SPEC §4): no script and no external
reference, so they render with no internet access and under a CSP without inline scripts.

Every text that reaches the SVG (titles, series and category names, values) is escaped: a
carrier's or a user's name is data, never markup. The viewBox is fixed and the size is left to
the page, so a chart scales to its container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from shipbot.domain.money import format_usd
from shipbot.services.stats import Bucket, Dashboard

WIDTH, HEIGHT = 800, 320
LEFT, RIGHT, TOP, BOTTOM = 76, 16, 64, 40  # room for the y ticks, the title and legend, the days
MAX_X_LABELS = 12
MAX_BAR_WIDTH = 64
MIN_WIDTH_FOR_VALUES = 40  # narrower bars get their value in the hover title only
PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]  # one per category


@dataclass(frozen=True)
class Axis:
    """How values are shown: on ticks, short on the bars, exact in the legend and on hover;
    and the smallest step worth a tick."""

    format_tick: Callable[[int], str]
    format_short: Callable[[int], str]
    format_exact: Callable[[int], str]
    min_step: int


def _dollars_tick(cents: int) -> str:
    return format_usd(cents).removesuffix(".00")


def _whole_dollars(cents: int) -> str:
    if abs(cents) < 100_00:
        return format_usd(cents)
    sign = "-" if cents < 0 else ""
    return f"{sign}${(abs(cents) + 50) // 100:,}"


MONEY = Axis(_dollars_tick, _whole_dollars, format_usd, min_step=100)
COUNT = Axis(str, str, str, min_step=1)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    axis: Axis,
    *,
    stacked: bool = False,
    hover_categories: Sequence[str] | None = None,
) -> str:
    """Bars per category, side by side per series or stacked (stacked values must not be
    negative). `hover_categories` names the categories in hover titles when the axis labels
    are abbreviated."""
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values, not {len(categories)}"
            )
        if stacked and any(value < 0 for value in one.values):
            raise ValueError(f"series {one.name!r} has a negative value and cannot be stacked")
    parts = [_header(title), _legend(series, axis)]
    if not categories or not series:
        parts.append(_note("No data for this period"))
        return _svg(title, parts)
    low, high, step = _scale(categories, series, axis, stacked)
    frame = _Frame(len(categories), 1 if stacked else len(series), low, high)
    hover = hover_categories or categories
    parts.append(_grid(frame, step, axis))
    draw = _stacked_bars if stacked else _grouped_bars
    parts.extend(draw(frame, series, axis, hover))
    parts.append(_x_labels(frame, categories))
    return _svg(title, parts)


@dataclass(frozen=True)
class _Frame:
    """Where things go: the plot area, one slot per category, values mapped to heights."""

    categories: int
    bars_per_slot: int
    low: int
    high: int

    @property
    def slot(self) -> float:
        return (WIDTH - LEFT - RIGHT) / self.categories

    @property
    def bar_width(self) -> float:
        return min(self.slot * 0.8 / self.bars_per_slot, MAX_BAR_WIDTH)

    @property
    def shows_values(self) -> bool:
        return self.bar_width >= MIN_WIDTH_FOR_VALUES

    def center(self, index: int) -> float:
        return LEFT + self.slot * (index + 0.5)

    def first_bar_x(self, index: int) -> float:
        return self.center(index) - self.bar_width * self.bars_per_slot / 2

    def y(self, value: int) -> float:
        return TOP + (self.high - value) * (HEIGHT - TOP - BOTTOM) / (self.high - self.low)


def _grouped_bars(
    frame: _Frame, series: Sequence[Series], axis: Axis, hover: Sequence[str]
) -> Iterator[str]:
    for index in range(frame.categories):
        for number, one in enumerate(series):
            value = one.values[index]
            top, bottom = sorted((frame.y(value), frame.y(0)))
            x = frame.first_bar_x(index) + number * frame.bar_width
            tip = f"{hover[index]} · {one.name}: {axis.format_exact(value)}"
            yield _bar(x, top, frame.bar_width, bottom - top, number, tip)
            if frame.shows_values and value:
                label_y = top - 4 if value > 0 else bottom + 12
                yield _text(x + frame.bar_width / 2, label_y, axis.format_short(value), "middle")


def _stacked_bars(
    frame: _Frame, series: Sequence[Series], axis: Axis, hover: Sequence[str]
) -> Iterator[str]:
    for index in range(frame.categories):
        base = 0
        for number, one in enumerate(series):
            value = one.values[index]
            if value:
                top, bottom = frame.y(base + value), frame.y(base)
                tip = f"{hover[index]} · {one.name}: {axis.format_exact(value)}"
                yield _bar(
                    frame.first_bar_x(index), top, frame.bar_width, bottom - top, number, tip
                )
                base += value
        if frame.shows_values and base:
            yield _text(frame.center(index), frame.y(base) - 4, axis.format_short(base), "middle")


def revenue_chart(dashboard: Dashboard) -> str:
    """Revenue and gross profit per bucket, in dollars."""
    categories, hover = _bucket_names(dashboard)
    figures = [bucket.figures for bucket in dashboard.buckets]
    series = [
        Series("Revenue", [f.revenue_cents for f in figures]),
        Series("Gross profit", [f.gross_profit_cents for f in figures]),
    ]
    return bar_chart("Revenue and gross profit", categories, series, MONEY, hover_categories=hover)


def carrier_chart(dashboard: Dashboard) -> str:
    """Labels sold per bucket, stacked by carrier."""
    categories, hover = _bucket_names(dashboard)
    series = [
        Series(carrier.carrier_name or carrier.carrier_code, carrier.per_bucket)
        for carrier in dashboard.labels_by_carrier
    ]
    return bar_chart(
        "Labels sold by carrier", categories, series, COUNT, stacked=True, hover_categories=hover
    )


def _bucket_names(dashboard: Dashboard) -> tuple[list[str], list[str]]:
    short = [_day(bucket.start) for bucket in dashboard.buckets]
    if dashboard.bucket is Bucket.WEEK:
        return short, [f"Week of {_day(b.start)}, {b.start.year}" for b in dashboard.buckets]
    return short, [f"{_day(b.start)}, {b.start.year}" for b in dashboard.buckets]


def _day(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}"


def _scale(
    categories: Sequence[str], series: Sequence[Series], axis: Axis, stacked: bool
) -> tuple[int, int, int]:
    """The axis' bottom and top, multiples of a 1-2-5 step, with zero always on it."""
    if stacked:
        heights = [sum(one.values[i] for one in series) for i in range(len(categories))]
    else:
        heights = [value for one in series for value in one.values]
    smallest, largest = min(0, *heights), max(0, *heights)
    step = _nice_step(max(largest - smallest, axis.min_step), axis.min_step)
    low = (smallest // step) * step
    high = -(-largest // step) * step
    if high == low:
        high = low + step
    return low, high, step


def _nice_step(span: int, minimum: int) -> int:
    """1, 2 or 5 times a power of ten, giving about five ticks over `span`."""
    wanted = max(-(-span // 5), minimum)
    magnitude = 1
    while magnitude * 10 <= wanted:
        magnitude *= 10
    return next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= wanted)


def _svg(title: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _header(title: str) -> str:
    return (
        f'<text x="{LEFT}" y="20" font-size="15" font-weight="600" fill="#111827">'
        f"{escape(title)}</text>"
    )


def _legend(series: Sequence[Series], axis: Axis) -> str:
    """Each series' colour, name and total over the period: the figure read first."""
    items, x = [], LEFT
    for number, one in enumerate(series):
        label = f"{one.name}: {axis.format_exact(sum(one.values))}"
        items.append(
            f'<rect x="{x}" y="32" width="10" height="10" fill="{_colour(number)}"/>'
            f'<text x="{x + 14}" y="41" fill="#374151">{escape(label)}</text>'
        )
        x += 24 + 7 * len(label)
    return f'<g class="legend">{"".join(items)}</g>'


def _grid(frame: _Frame, step: int, axis: Axis) -> str:
    lines = []
    for value in range(frame.low, frame.high + 1, step):
        y = frame.y(value)
        colour = "#6b7280" if value == 0 else "#e5e7eb"
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.2f}" y2="{y:.2f}" stroke="{colour}"/>'
        )
        lines.append(_text(LEFT - 6, y + 4, axis.format_tick(value), "end"))
    return f'<g class="grid">{"".join(lines)}</g>'


def _bar(x: float, y: float, width: float, height: float, series: int, tip: str) -> str:
    return (
        f'<rect class="bar" data-series="{series}" x="{x:.2f}" y="{y:.2f}" '
        f'width="{width:.2f}" height="{height:.2f}" fill="{_colour(series)}">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _x_labels(frame: _Frame, categories: Sequence[str]) -> str:
    every = -(-len(categories) // MAX_X_LABELS)  # at most MAX_X_LABELS, evenly spaced
    labels = [
        _text(frame.center(index), HEIGHT - BOTTOM + 16, category, "middle")
        for index, category in enumerate(categories)
        if index % every == 0
    ]
    return f'<g class="x-labels">{"".join(labels)}</g>'


def _note(message: str) -> str:
    return _text(WIDTH / 2, TOP + (HEIGHT - TOP - BOTTOM) / 2, message, "middle")


def _text(x: float, y: float, content: str, anchor: str) -> str:
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}" fill="#374151">'
        f"{escape(content)}</text>"
    )


def _colour(series: int) -> str:
    return PALETTE[series % len(PALETTE)]
