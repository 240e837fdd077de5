"""The dashboard's pictures, drawn on the server as SVG: bars of signatures stacked by status,
and a world map shaded by count. No script and nothing from another site."""

import itertools
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders

# The units of a chart's viewBox; CSS scales it to the width of the page.
WIDTH, HEIGHT = 960, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 28
SHADES = 5
WORLD_MAP = "maps/world.svg"


@dataclass(frozen=True)
class Segment:
    status: str
    label: str
    count: int
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    period: object
    x: float
    width: float
    segments: list[Segment]
    labelled: bool

    @property
    def middle(self):
        return self.x + self.width / 2


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    # (y, value) of each line across the chart, from 0 up to the top of the scale.
    ticks: list[tuple[float, int]]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM

    @property
    def is_empty(self):
        return not any(bar.segments for bar in self.bars)


def nice_step(largest: int, lines: int = 4) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... that spans `largest` in at most `lines` steps."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while step * lines < largest:
        step = round(step * next(factors))
    return step


def stacked_bars(periods, statuses, *, label_every: int) -> BarChart:
    """One bar per period, its statuses stacked in the order given, the first at the bottom.

    `statuses` are (value, label) pairs; a period's `counts` are by value.
    """
    largest = max((period.total for period in periods), default=0)
    step = nice_step(largest)
    top = max(step * math.ceil(largest / step), step)
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / top
    slot = (WIDTH - LEFT - RIGHT) / max(len(periods), 1)
    gap = min(slot * 0.2, 4)
    bars = []
    for index, period in enumerate(periods):
        segments = []
        base = HEIGHT - BOTTOM
        for status, label in statuses:
            count = period.counts.get(status, 0)
            if count:
                height = count * scale
                base -= height
                segments.append(Segment(status, label, count, round(base, 2), round(height, 2)))
        bars.append(
            Bar(
                period=period,
                x=round(LEFT + index * slot + gap / 2, 2),
                width=round(slot - gap, 2),
                segments=segments,
                labelled=index % label_every == 0,
            )
        )
    ticks = [
        (round(HEIGHT - BOTTOM - value * scale, 2), value) for value in range(0, top + 1, step)
    ]
    return BarChart(bars=bars, ticks=ticks)


@dataclass(frozen=True)
class Shade:
    level: int
    low: int
    high: int


@dataclass(frozen=True)
class MapCountry:
    code: str
    name: str
    count: int
    level: int
    path: str


@dataclass(frozen=True)
class WorldMap:
    view_box: str
    countries: list[MapCountry]
    # The legend: the range of counts each level of shading stands for, lightest first.
    shades: list[Shade]


def shades_for(largest: int) -> list[Shade]:
    """Up to SHADES ranges of counts, growing geometrically up to `largest`, which always has
    the darkest shade.

    Counts by country span orders of magnitude (one country brings most signers), so equal
    ranges would leave all but the largest country in the lightest shade. At small counts some
    ranges would be empty, and are left out.
    """
    ranges = []
    low = 1
    for step in range(1, SHADES + 1):
        # Rounded first, so that 100000 ** (1/5) is 10, not 10.000000000000002.
        high = math.ceil(round(largest ** (step / SHADES), 9))
        if high >= low:
            ranges.append((low, high))
            low = high + 1
    first = SHADES - len(ranges) + 1
    return [Shade(level, low, high) for level, (low, high) in enumerate(ranges, start=first)]


def shade_level(count: int, shades: list[Shade]) -> int:
    """0 for no signatures; otherwise the level whose range holds the count."""
    for shade in shades:
        if shade.low <= count <= shade.high:
            return shade.level
    return 0


def world_map(counts: dict[str, int], names) -> WorldMap:
    """Every country of the map shaded by its count; `names` gives a country's name by code."""
    view_box, shapes = world_shapes()
    shades = shades_for(max(counts.values(), default=0))
    countries = [
        MapCountry(
            code,
            names(code),
            counts.get(code, 0),
            shade_level(counts.get(code, 0), shades),
            path,
        )
        for code, path in shapes
    ]
    return WorldMap(view_box=view_box, countries=countries, shades=shades)


@cache
def world_shapes() -> tuple[str, list[tuple[str, str]]]:
    """The map's viewBox and (code, path) of each country, from the static file
    scripts/make_world_map.py draws."""
    text = Path(finders.find(WORLD_MAP)).read_text()
    view_box = re.search(r'viewBox="([^"]+)"', text).group(1)
    return view_box, re.findall(r'<path id="([A-Z]{2})" d="([^"]+)"/>', text)
