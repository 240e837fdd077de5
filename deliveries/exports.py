"""The organisers' export of a petition's signatures: a CSV written as it is read.

On PostgreSQL the database writes the CSV itself with `COPY ... TO`, so a million rows take
seconds; elsewhere Python writes the same columns in the same form.
"""

import csv
from datetime import UTC

from django.db import connection
from django_countries import countries

from signatures.models import Signature

from .package import CHUNK, QUOTED_PREFIXES, spreadsheet_safe

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
    if connection.vendor == "postgresql":
        yield from _copied(signatures, counted)
    else:
        rows = 0
        for rows, row in enumerate(_python_rows(signatures), start=1):  # noqa: B007
            yield _csv_line(row)
        if counted is not None:
            counted.append(rows)


def export_write(out, signatures) -> int:
    """Write the CSV to a binary file; return how many signatures it holds."""
    counted = []
    for chunk in export_chunks(signatures, counted):
        out.write(chunk)
    return counted[0]


class _Line:
    def write(self, value):
        return value


# Lines end as PostgreSQL's COPY ends them, so that both ways give the same file.
_LINE_WRITER = csv.writer(_Line(), lineterminator="\n")


def _csv_line(row) -> bytes:
    return _LINE_WRITER.writerow(row).encode()


def _utc(moment) -> str:
    """A time in UTC as PostgreSQL prints a timestamp, so that both ways give the same file."""
    if moment is None:
        return ""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text


# What each row is made from, in this order, whoever writes it.
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


def _python_rows(signatures):
    rows = signatures.values_list(*SOURCE_FIELDS).iterator(chunk_size=CHUNK)
    for created, confirmed, status, name, town, country, visibility, updates, email in rows:
        yield (
            _utc(created),
            _utc(confirmed),
            status,
            spreadsheet_safe(name),
            spreadsheet_safe(town),
            country,
            countries.name(country) if country else "",
            visibility,
            "yes" if updates else "no",
            spreadsheet_safe(email) if updates else "",
        )


def _safe_sql(column: str) -> str:
    # COPY quotes an empty string ("") but writes NULL as nothing, as Python's csv does.
    prefixes = ", ".join(f"chr({ord(prefix)})" for prefix in QUOTED_PREFIXES)
    return (
        f"CASE WHEN left({column}, 1) IN ({prefixes}) THEN chr(39) || {column} "
        f"ELSE NULLIF({column}, '') END"
    )


def _timestamp_sql(column: str) -> str:
    # Django keeps PostgreSQL's session in UTC: the cast gives the time in UTC, and costs
    # nothing like to_char, which took more time than the rest of the export.
    return f"{column}::timestamp"


def _copied(signatures, counted):
    """The same rows as `_python_rows`, written by PostgreSQL: the selection comes from the
    queryset, the formatting from SQL, country names from a joined list."""
    selection, params = (
        signatures.order_by().values_list("pk", *SOURCE_FIELDS).query.sql_with_params()
    )
    names = ", ".join(["(%s, %s)"] * len(countries))
    sql = f"""
        SELECT {_timestamp_sql("s.created_at")}, {_timestamp_sql("s.confirmed_at")}, s.status,
               {_safe_sql("s.full_name")}, {_safe_sql("s.town")}, NULLIF(s.country, ''),
               c.name, s.name_visibility,
               CASE WHEN s.wants_updates THEN 'yes' ELSE 'no' END,
               CASE WHEN s.wants_updates THEN {_safe_sql("s.email_address")} END
        FROM ({selection}) AS s (id, {", ".join(SOURCE_FIELDS)})
        LEFT JOIN (VALUES {names}) AS c (code, name) ON c.code = s.country
        ORDER BY s.created_at, s.id
    """  # noqa: S608 - every value is a parameter; the text is ours and the queryset's
    params = (*params, *(value for pair in countries for value in pair))
    copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv, ENCODING 'UTF8')"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(copy_sql, params) as copy:
            for chunk in copy:
                yield bytes(chunk)
        if counted is not None:
            counted.append(cursor.cursor.rowcount)
