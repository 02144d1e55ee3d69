"""Accessible bar charts drawn on the server: an inline SVG and a table of the same numbers.

The SVG is one image to assistive technology (role="img") whose accessible
name states every value, and the same numbers follow in a real table, so the
chart needs no JavaScript and nobody depends on seeing it. See
docs/decisions/0020-accessible-charts-without-javascript.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from .selectors import Tally

# The SVG is drawn at its own width in pixels and only ever shrinks to fit, so its text stays readable.
# The label column is as wide as the longest label needs (about 8.5 pixels a character at 15 pixels).
BAR_ROOM = 280
VALUE_ROOM = 50
PIXELS_PER_CHARACTER = 8.5
MIN_LABEL_WIDTH, MAX_LABEL_WIDTH = 80, 300
MAX_LABEL_CHARACTERS = 34
ROW_HEIGHT = 30
BAR_HEIGHT = 20
TOP = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    url: str = ""

    @property
    def short_label(self) -> str:
        """The label as drawn (the table and the accessible name give it in full)."""
        if len(self.label) <= MAX_LABEL_CHARACTERS:
            return self.label
        return self.label[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"


@dataclass(frozen=True)
class DrawnBar:
    """A bar with its place in the drawing."""

    bar: Bar
    y: int
    text_y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: title, one bar per category, and what the values count."""

    title: str
    bars: tuple[Bar, ...]
    value_label: str = "Number"
    category_label: str = "Category"
    slug: str = "chart"

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)

    @property
    def max_value(self) -> int:
        return max((bar.value for bar in self.bars), default=0)

    @property
    def is_empty(self) -> bool:
        return self.max_value == 0

    @property
    def summary(self) -> str:
        """The chart in words, for its accessible name: 'Title: A 3, B 0, C 12.'"""
        parts = ", ".join(f"{bar.label} {bar.value:,}" for bar in self.bars)
        return f"{self.title}, bar chart: {parts}." if parts else f"{self.title}: no data."

    @property
    def height(self) -> int:
        return TOP * 2 + ROW_HEIGHT * len(self.bars)

    @property
    def label_width(self) -> int:
        longest = max((len(bar.short_label) for bar in self.bars), default=0)
        return int(min(MAX_LABEL_WIDTH, max(MIN_LABEL_WIDTH, longest * PIXELS_PER_CHARACTER + 16)))

    @property
    def width(self) -> int:
        return self.label_width + BAR_ROOM + VALUE_ROOM

    @property
    def label_x(self) -> int:
        return self.label_width - 10

    @property
    def bar_x(self) -> int:
        return self.label_width

    @property
    def drawn(self) -> tuple[DrawnBar, ...]:
        room = BAR_ROOM
        top = self.max_value or 1
        return tuple(
            DrawnBar(
                bar=bar,
                y=TOP + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                text_y=TOP + index * ROW_HEIGHT + ROW_HEIGHT // 2 + 5,
                width=round(room * bar.value / top, 1),
            )
            for index, bar in enumerate(self.bars)
        )

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def chart_from_tally(
    tally: Tally,
    *,
    title: str,
    value_label: str = "Providers",
    category_label: str = "Status",
    slug: str = "chart",
    urls: dict[str, str] | None = None,
    skip: Iterable[str] = (),
) -> BarChart:
    urls = urls or {}
    skipped = set(skip)
    return BarChart(
        title=title,
        bars=tuple(
            Bar(label=item.label, value=item.count, url=urls.get(item.key, ""))
            for item in tally.counts
            if item.key not in skipped
        ),
        value_label=value_label,
        category_label=category_label,
        slug=slug,
    )
