import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection

from deliveries.exports import (
    BOM,
    COLUMNS,
    _csv_lines,
    _python_rows,
    _written,
    export_queryset,
    export_write,
)
from deliveries.package import FORMULA_PREFIXES
from signatures.models import Signature

pytestmark = pytest.mark.django_db


def test_a_row_reads_exactly_so_on_every_database(founding, confirmed):
    signature = confirmed(
        founding["petition"],
        full_name="=cmd|' /C calc'!A0",
        email="+news@example.org",
        wants_updates=True,
        town="'Quoted",
        country="KR",
        name_visibility="public",
    )
    Signature.objects.filter(pk=signature.pk).update(
        created_at=datetime(2026, 11, 30, 9, 5, 7, 250000, tzinfo=UTC),
        confirmed_at=datetime(2026, 11, 30, 9, 6, 0, tzinfo=UTC),
    )
    out = io.BytesIO()

    export_write(out, export_queryset(petition=founding["petition"], country="KR"))

    lines = out.getvalue().decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1] == (
        "2026-11-30 09:05:07.25,2026-11-30 09:06:00,confirmed,'=cmd|' /C calc'!A0,"
        "''Quoted,KR,South Korea,public,yes,'+news@example.org"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL formats its own rows")
def test_the_database_formats_exactly_what_python_would(founding, confirmed):
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

    expected = BOM + _csv_lines([COLUMNS, *_written(_python_rows(signatures))])
    assert out.getvalue() == expected
    text = expected.decode("utf-8-sig")
    assert count == signatures.count() == len(list(csv.reader(io.StringIO(text)))) - 1
    assert "'@mention" in text
    assert "'-Town" in text


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_nothing_a_signer_wrote_starts_a_formula_on_any_database(founding, confirmed, prefix):
    confirmed(founding["petition"], full_name=f"{prefix}1+1 Kim", town=f"{prefix}cmd", country="KR")
    out = io.BytesIO()

    export_write(out, export_queryset(petition=founding["petition"], country="KR"))

    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    written = next(row for row in rows if row["name"].endswith("1+1 Kim"))
    assert written["name"] == f"'{prefix}1+1 Kim"
    assert written["town"] == f"'{prefix}cmd"


def test_filters_by_status_country_and_dates(founding):
    petition = founding["petition"]

    korea = export_queryset(petition=petition, country="KR")
    late = export_queryset(petition=petition, since=founding["cutoff"])

    assert [s.full_name for s in korea] == ["김민지"]
    assert [s.full_name for s in late] == ["Late Person"]
