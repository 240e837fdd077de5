import pytest

from signatures.models import Signature


@pytest.mark.parametrize(
    ("full_name", "shown"),
    [("Kim Min-ji", "Kim"), ("김 민지", "김"), ("김민지", "김."), ("王小明", "王."), ("", "")],
)
def test_public_name_never_reveals_a_full_name(full_name, shown):
    assert Signature(full_name=full_name).public_name == shown
