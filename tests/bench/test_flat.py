import pytest

from bench.run import flat_reference


@pytest.mark.parametrize(
    ("label", "sizes", "reference"),
    [
        ("petition page", [0, 1000, 10_000_000], 0),
        ("count.json", [1000, 10_000_000], 1000),
        # At 0 the list has no row to draw; it is compared from its first full page.
        ("staff signature list", [0, 1000, 10_000_000], 1000),
        ("staff signature list", [0, 100, 1000], 100),
        ("staff signature list", [0, 99], 0),
    ],
)
def test_each_read_is_compared_with_itself_at_its_reference_size(label, sizes, reference):
    assert flat_reference(label, sizes) == reference
