"""The organisers' export of a petition's signatures: a CSV written as it is read.

Names, towns and addresses are sealed in the database, so Python opens them and writes the CSV.
On PostgreSQL the database formats everything else (times, country names) and sends rows from a
cursor on the server, so a million rows take seconds; elsewhere Python formats the same columns
in the same form.
"""

import csv
import io
import itertools
from datetime import UTC

from django.db import connection
from django_countries import countries

from signatures.models import Signature

from .package import CHUNK, spreadsheet_safe

BOM = "\ufeff".encode()
COLUMNS = (
    "signed_at_utc",
    "confirmed_at_utc",
    "status",
    "name",
    "town",
    "country",
    "country_name",
    "use_of_name",
    "wants_updates",
    "email",
)


def export_queryset(*, petition, status=None, country=None, since=None, until=None):
    signatures = Signature.objects.for_petition(petition).order_by("created_at", "pk")
    if status:
        signatures = signatures.filter(status=status)
    if country:
        signatures = signatures.filter(country=country)
    if since:
        signatures = signatures.filter(created_at__gte=since)
    if until:
        signatures = signatures.filter(created_at__lt=until)
    return signatures


def export_chunks(signatures, counted=None):
    """The CSV in UTF-8 as pieces of bytes: a byte-order mark, so that spreadsheets read it as
    UTF-8, a header, then a row per signature; an email address only for signers who asked
    for news from the organiser. `counted`, a list, receives the number of signatures."""
    yield BOM + _csv_line(COLUMNS)
    read = _database_rows if connection.vendor == "postgresql" else _python_rows
    rows = _written(read(signatures))
    total = 0
    while batch := list(itertools.islice(rows, CHUNK)):
        total += len(batch)
        yield _csv_lines(batch)
    if counted is not None:
        counted.append(total)


def export_write(out, signatures) -> int:
    """Write the CSV to a binary file; return how many signatures it holds."""
    counted = []
    for chunk in export_chunks(signatures, counted):
        out.write(chunk)
    return counted[0]


def _csv_lines(rows) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


def _csv_line(row) -> bytes:
    return _csv_lines([row])


def _utc(moment) -> str:
    """A time in UTC as PostgreSQL prints a timestamp, so that both ways give the same file."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


# What each row is made from, in this order, whoever reads it.
SOURCE_FIELDS = (
    "created_at",
    "confirmed_at",
    "status",
    "full_name",
    "town",
    "country",
    "name_visibility",
    "wants_updates",
    "email_address",
)
NAME, TOWN, EMAIL = (
    Signature._meta.get_field(name) for name in ("full_name", "town", "email_address")
)


def _written(rows):
    """Rows of the CSV from rows read with their details still sealed, however they were read."""
    for signed, confirmed, status, name, town, country, country_name, *rest in rows:
        visibility, updates, email, row = rest
        yield (
            signed,
            confirmed,
            status,
            spreadsheet_safe(NAME.unseal_for_row(name, row)),
            spreadsheet_safe(TOWN.unseal_for_row(town, row)),
            country,
            country_name,
            visibility,
            updates,
            # An address only for signers who asked for news from the organiser.
            spreadsheet_safe(EMAIL.unseal_for_row(email, row)) if updates == "yes" else "",
        )


def _python_rows(signatures):
    """The same rows as `_database_rows`, formatted by Python."""
    rows = signatures.values_list(*SOURCE_FIELDS, "public_id").iterator(chunk_size=CHUNK)
    for created, confirmed, status, name, town, country, *rest in rows:
        visibility, updates, email, public_id = rest
        yield (
            _utc(created),
            _utc(confirmed),
            status,
            name,
            town,
            country,
            countries.name(country) if country else "",
            visibility,
            "yes" if updates else "no",
            email,
            public_id,
        )


def _timestamp_sql(column: str) -> str:
    # Django keeps PostgreSQL's session in UTC: the cast gives the time in UTC, and its text is
    # what `_utc` writes. It costs nothing like to_char, which took longer than the whole export.
    return f"{column}::timestamp::text"


def _database_rows(signatures):
    """The same rows as `_python_rows`, formatted by PostgreSQL but for the sealed details:
    the selection comes from the queryset, country names from a joined list."""
    selection, params = (
        signatures.order_by().values_list("pk", "public_id", *SOURCE_FIELDS).query.sql_with_params()
    )
    names = ", ".join(["(%s, %s)"] * len(countries))
    sql = f"""
        SELECT {_timestamp_sql("s.created_at")}, {_timestamp_sql("s.confirmed_at")}, s.status,
               s.full_name, s.town, s.country, COALESCE(c.name, ''), s.name_visibility,
               CASE WHEN s.wants_updates THEN 'yes' ELSE 'no' END,
               CASE WHEN s.wants_updates THEN s.email_address END, s.public_id::text
        FROM ({selection}) AS s (id, public_id, {", ".join(SOURCE_FIELDS)})
        LEFT JOIN (VALUES {names}) AS c (code, name) ON c.code = s.country
        ORDER BY s.created_at, s.id
    """  # noqa: S608 - every value is a parameter; the text is ours and the queryset's
    params = (*params, *(value for pair in countries for value in pair))
    # A cursor on the server: rows come CHUNK at a time, however many there are.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows
