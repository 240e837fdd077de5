import csv
import io

import pytest
from django.db import connection

from deliveries.exports import (
    BOM,
    COLUMNS,
    _csv_line,
    _python_rows,
    export_queryset,
    export_write,
)

pytestmark = pytest.mark.django_db


def test_the_database_writes_exactly_what_python_would(founding, confirmed):
    confirmed(
        founding["petition"],
        full_name="@mention",
        email="+news@example.org",
        wants_updates=True,
        town="-Town",
    )
    signatures = export_queryset(petition=founding["petition"])
    out = io.BytesIO()

    count = export_write(out, signatures)

    lines = [_csv_line(COLUMNS), *(_csv_line(row) for row in _python_rows(signatures))]
    expected = BOM + b"".join(lines)
    assert out.getvalue() == expected
    text = expected.decode("utf-8-sig")
    assert count == signatures.count() == len(list(csv.reader(io.StringIO(text)))) - 1
    assert "'@mention" in text
    assert "'-Town" in text
    assert connection.vendor in ("postgresql", "sqlite")


def test_filters_by_status_country_and_dates(founding):
    petition = founding["petition"]

    korea = export_queryset(petition=petition, country="KR")
    late = export_queryset(petition=petition, since=founding["cutoff"])

    assert [s.full_name for s in korea] == ["김민지"]
    assert [s.full_name for s in late] == ["Late Person"]
