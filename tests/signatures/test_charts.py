import itertools
from dataclasses import dataclass, field

import pytest

from signatures.charts import (
    BOTTOM,
    HEIGHT,
    TOP,
    nice_step,
    shade_level,
    shades_for,
    stacked_bars,
    world_map,
    world_shapes,
)

STATUSES = [("confirmed", "Confirmed"), ("pending", "Pending")]
BASELINE = HEIGHT - BOTTOM


@dataclass
class Period:
    counts: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.counts.values())


@pytest.mark.parametrize(
    ("largest", "step"), [(0, 1), (4, 1), (5, 2), (8, 2), (9, 5), (40, 10), (41, 20), (399, 100)]
)
def test_the_scale_steps_by_one_two_or_five_times_a_power_of_ten(largest, step):
    assert nice_step(largest) == step


def test_bars_stack_statuses_in_order_from_the_baseline_in_proportion():
    periods = [Period({"confirmed": 6, "pending": 2}), Period(), Period({"pending": 4})]

    chart = stacked_bars(periods, STATUSES, label_every=2)

    assert [tick_value for _, tick_value in chart.ticks] == [0, 2, 4, 6, 8]
    full, empty, pending = chart.bars
    confirmed, waiting = full.segments
    assert (confirmed.status, confirmed.count, waiting.status) == ("confirmed", 6, "pending")
    assert confirmed.y + confirmed.height == pytest.approx(BASELINE)
    assert waiting.y + waiting.height == pytest.approx(confirmed.y)
    # 8 of 8 reaches the top of the scale; 4 of 8 half of it.
    assert waiting.y == pytest.approx(TOP)
    assert pending.segments[0].height == pytest.approx((BASELINE - TOP) / 2)
    assert empty.segments == []
    assert [bar.labelled for bar in chart.bars] == [True, False, True]
    assert full.x < empty.x < pending.x
    assert chart.is_empty is False


def test_a_chart_of_nothing_says_it_is_empty():
    chart = stacked_bars([Period(), Period()], STATUSES, label_every=1)

    assert chart.is_empty is True
    assert chart.ticks == [(BASELINE, 0), (TOP, 1)]


@pytest.mark.parametrize("largest", [1, 2, 3, 4, 10, 32, 99, 956, 100_000, 1_000_000])
def test_shades_cover_every_count_once_and_the_largest_is_darkest(largest):
    shades = shades_for(largest)

    assert shades[0].low == 1
    assert shades[-1].high == largest
    assert shades[-1].level == 5
    for lower, higher in itertools.pairwise(shades):
        assert higher.low == lower.high + 1
        assert higher.level == lower.level + 1
    levels = [shade_level(count, shades) for count in range(1, largest + 1)][:5000]
    assert levels == sorted(levels)
    assert shade_level(0, shades) == 0


def test_shades_grow_geometrically():
    assert [(shade.low, shade.high) for shade in shades_for(956)] == [
        (1, 4),
        (5, 16),
        (17, 62),
        (63, 243),
        (244, 956),
    ]


def test_the_map_has_a_shape_for_each_country_named_by_its_code():
    view_box, shapes = world_shapes()
    codes = [code for code, _ in shapes]

    assert view_box == "0 0 960 384"
    assert {"GB", "KR", "KP", "CN", "US", "JP", "RU", "BR", "ZA", "AU"} <= set(codes)
    assert "AQ" not in codes
    assert len(codes) == len(set(codes)) == 173
    assert all(path.startswith("M") and path.endswith("z") for _, path in shapes)


def test_the_map_shades_each_country_by_its_count():
    shaded = world_map({"GB": 956, "KR": 20, "SG": 5}, names=str.lower)

    by_code = {country.code: country for country in shaded.countries}
    assert (by_code["GB"].level, by_code["GB"].count, by_code["GB"].name) == (5, 956, "gb")
    assert by_code["KR"].level == 3
    assert by_code["FR"].level == 0
    # Too small for the map at this scale: in the table only.
    assert "SG" not in by_code


def test_a_power_of_the_number_of_shades_makes_round_ranges():
    assert [shade.high for shade in shades_for(100_000)] == [10, 100, 1_000, 10_000, 100_000]
