"""Realistic confirmed signatures for the demo, benchmarks and rehearsals, never a real campaign."""

import bisect
import functools
import itertools
import operator
import random
import secrets
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from petitions.models import Petition

from .counting import tally_add
from .identity import (
    RECEIPT_ALPHABET,
    RECEIPT_LENGTH,
    canonical_email,
    email_domain_hash,
    ip_prefix,
    keyed_hasher,
)
from .models import Signature, SignatureNameToken
from .name_index import name_tokens
from .selectors import forget_cached_counts_on_commit


def _names(given, family, pattern):
    return given.split(), family.split(), pattern


# Given names, family names, and the order in which people of that background write them.
NAMES = {
    "english": _names(
        "Anna James Olivia Thomas Emily Daniel Grace Samuel Sophie David Hannah Michael "
        "Ruth Peter Chloe Andrew Esther Matthew Lucy Joshua Rachel Benjamin Naomi Jonathan",
        "Smith Jones Taylor Brown Wilson Evans Walker Roberts Wright Thompson Hughes Green "
        "Clarke Baker Harris Lewis Morgan Cooper Ward Murray Campbell Stewart Kelly Lee",
        "{given} {family}",
    ),
    "korean": _names(
        "민지 지훈 서연 현우 수빈 도윤 하은 준호 지민 예린 성민 은지 영수 혜진 동현 유나",
        "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황",
        "{family}{given}",
    ),
    "korean_latin": _names(
        "Min-ji Ji-hoon Seo-yeon Hyun-woo Su-bin Do-yoon Ha-eun Jun-ho Ji-min Ye-rin "
        "Sung-min Eun-ji Young-soo Hye-jin Dong-hyun Yu-na",
        "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin",
        "{family} {given}",
    ),
    "chinese": _names(
        "伟 静 敏 磊 丽 强 婷 洋 杰 娜 军 霞 明 华 欣怡 子轩 雨桐 浩然",
        "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 林 郭",
        "{family}{given}",
    ),
    "japanese": _names(
        "花子 太郎 陽菜 翔 美咲 大輝 結衣 健太 さくら 蓮 由美 誠",
        "山田 佐藤 鈴木 高橋 田中 渡辺 伊藤 中村 小林 加藤",
        "{family} {given}",
    ),
    "german": _names(
        "Lukas Anna Jonas Lea Felix Marie Paul Sophie Maximilian Lena Jürgen Käthe",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann",
        "{given} {family}",
    ),
    "french": _names(
        "Camille Louis Chloé Hugo Léa Gabriel Manon Jules Inès Étienne Hélène Benoît",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre",
        "{given} {family}",
    ),
    "dutch": _names(
        "Daan Emma Sem Julia Lucas Sophie Bram Tess Thijs Anouk",
        "Jansen Bakker Visser Smit Meijer Bos Mulder Vos Peters Hendriks",
        "{given} {family}",
    ),
    "nordic": _names(
        "Erik Astrid Lars Ingrid Olav Sigrid Nils Maja Anders Freja",
        "Andersson Johansson Hansen Nilsson Larsen Olsen Karlsson Berg Lindqvist Haugen",
        "{given} {family}",
    ),
    "iberian": _names(
        "María José Lucía Carlos Sofía Javier Carmen Diego Isabel Andrés Ana João",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Silva Santos",
        "{given} {family}",
    ),
    "polish": _names(
        "Zofia Jakub Zuzanna Kacper Maja Szymon Łucja Michał",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Łukasiewicz Zieliński",
        "{given} {family}",
    ),
    "filipino": _names(
        "Maria Jose Angelica Mark Kristine John Jasmine Paolo",
        "Santos Reyes Cruz Bautista Ocampo Garcia Mendoza Aquino",
        "{given} {family}",
    ),
    "indian": _names(
        "Priya Arjun Ananya Rohan Kavya Vikram Meera Rahul",
        "Sharma Patel Singh Kumar Gupta Iyer Reddy Nair",
        "{given} {family}",
    ),
    "russian": _names(
        "Алексей Мария Дмитрий Анна Сергей Ольга Иван Елена",
        "Смирнов Иванов Кузнецов Попов Соколов Лебедев Волков Новиков",
        "{given} {family}",
    ),
    "hebrew": _names(
        "דוד שרה יוסף רחל דניאל מיכל", "כהן לוי מזרחי פרץ ביטון אברהם", "{given} {family}"
    ),
    "arabic": _names(
        "محمد فاطمة أحمد مريم علي نور",
        "الأحمد حسن إبراهيم الخطيب منصور",
        "{given} {family}",
    ),
}


@dataclass(frozen=True)
class SampleCountry:
    code: str
    weight: int
    language: str
    towns: tuple[str, ...]
    backgrounds: tuple[str, ...]
    background_weights: tuple[int, ...]


def _country(code, weight, language, towns, **backgrounds):
    return SampleCountry(
        code,
        weight,
        language,
        tuple(towns.split(", ")),
        tuple(backgrounds),
        tuple(backgrounds.values()),
    )


# Where a campaign like the founding one, run from London, finds its signers: how many come from
# each country, the language they read the site in, their towns and their backgrounds.
COUNTRIES = [
    _country(
        "GB",
        300,
        "en",
        "London, New Malden, Manchester, Edinburgh, Birmingham, Glasgow, Leeds, Bristol, Cardiff, "
        "Belfast, Oxford, Sheffield",
        english=85,
        korean_latin=8,
        indian=4,
        chinese=3,
    ),
    _country(
        "KR",
        180,
        "ko",
        "Seoul, Busan, Incheon, Daegu, Daejeon, Gwangju, Suwon, Ulsan, Jeonju",
        korean=90,
        korean_latin=10,
    ),
    _country(
        "US",
        140,
        "en",
        "Los Angeles, New York, Chicago, Washington, Seattle, Atlanta, Houston, Fort Lee",
        english=70,
        korean_latin=18,
        iberian=8,
        chinese=4,
    ),
    _country(
        "JP", 60, "en", "Tokyo, Osaka, Yokohama, Kyoto, Fukuoka, Sapporo", japanese=94, korean=6
    ),
    _country(
        "DE",
        50,
        "en",
        "Berlin, Hamburg, Munich, Frankfurt, Cologne, Leipzig",
        german=95,
        korean_latin=5,
    ),
    _country(
        "CA",
        45,
        "en",
        "Toronto, Vancouver, Montreal, Ottawa, Calgary",
        english=70,
        korean_latin=15,
        french=10,
        chinese=5,
    ),
    _country(
        "AU",
        40,
        "en",
        "Sydney, Melbourne, Brisbane, Perth, Adelaide",
        english=80,
        korean_latin=12,
        chinese=8,
    ),
    _country("FR", 30, "en", "Paris, Lyon, Marseille, Toulouse, Lille, Strasbourg", french=100),
    _country("NL", 20, "en", "Amsterdam, Rotterdam, Utrecht, Eindhoven", dutch=100),
    _country("IE", 15, "en", "Dublin, Cork, Galway, Limerick", english=100),
    _country("NZ", 15, "en", "Auckland, Wellington, Christchurch", english=85, korean_latin=15),
    _country("TW", 12, "zh-hans", "Taipei, Kaohsiung, Taichung, Tainan", chinese=100),
    _country("HK", 10, "zh-hans", "Hong Kong", chinese=80, english=20),
    _country("SG", 10, "en", "Singapore", chinese=70, english=20, indian=10),
    _country("ES", 10, "en", "Madrid, Barcelona, Seville, Valencia", iberian=100),
    _country("PL", 8, "en", "Warsaw, Kraków, Gdańsk, Wrocław", polish=100),
    _country("SE", 8, "en", "Stockholm, Gothenburg, Malmö, Uppsala", nordic=100),
    _country("NO", 6, "en", "Oslo, Bergen, Trondheim", nordic=100),
    _country("CH", 6, "en", "Zurich, Geneva, Basel, Bern", german=60, french=40),
    _country("PH", 6, "en", "Manila, Cebu, Davao", filipino=100),
    _country("BR", 5, "en", "São Paulo, Rio de Janeiro, Brasília", iberian=100),
    _country("IN", 5, "en", "Delhi, Mumbai, Bengaluru, Chennai", indian=100),
    _country("ZA", 4, "en", "Cape Town, Johannesburg, Durban", english=100),
    _country("CN", 4, "zh-hans", "Shenzhen, Shanghai, Beijing, Yanji", chinese=85, korean=15),
    _country("RU", 3, "en", "Moscow, Vladivostok, Kazan", russian=100),
    _country("IL", 3, "en", "Tel Aviv, Jerusalem, Haifa", hebrew=100),
    _country("EG", 2, "en", "Cairo, Alexandria", arabic=100),
]
NAME_VISIBILITIES = list(Signature.NameVisibility)
NAME_VISIBILITY_WEIGHTS = [
    {
        Signature.NameVisibility.RECIPIENT: 50,
        Signature.NameVisibility.PUBLIC: 35,
        Signature.NameVisibility.ANONYMOUS: 15,
    }[visibility]
    for visibility in NAME_VISIBILITIES
]
# Documentation ranges (RFC 5737, RFC 3849): addresses that belong to nobody.
IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
COLUMNS = (
    "petition_id",
    "public_id",
    "status",
    "full_name",
    "email_address",
    "email_hash",
    "email_domain_hash",
    "country",
    "town",
    "name_visibility",
    "wants_updates",
    "language",
    "ip_address",
    "ip_prefix",
    "receipt",
    "emails_sent",
    "created_at",
    "confirmed_at",
    "consent_version",
)
COUNTRY = COLUMNS.index("country")
PUBLIC_ID = COLUMNS.index("public_id")
FULL_NAME = COLUMNS.index("full_name")
# Sealed on the way in as saving a signature seals them, since COPY bypasses the model.
SEALED = [
    (COLUMNS.index(field.name), field)
    for field in map(
        Signature._meta.get_field, ("full_name", "email_address", "town", "ip_address")
    )
]
CREATED_AT = COLUMNS.index("created_at")
# Rows per transaction: each commit adds what it wrote to the tallies, so that a run stopped
# half-way leaves exact counts for what it committed; and PostgreSQL checks the foreign keys of
# a hundred thousand rows while their pages are still in its buffers.
CHUNK = 100_000
# Rows per bulk_create (SQLite).
BATCH = 5000
# Lines per write to COPY.
LINES = 2000


def sample_signatures_add(
    *,
    petition: Petition,
    count: int,
    since: datetime,
    until: datetime,
    seed: int | str | None = None,
    chunk: int = CHUNK,
) -> None:
    """Add count confirmed signatures made between since and until, and count them exactly.

    Written `chunk` rows to a transaction, each adding its own rows to the tallies, and within
    one in the order they were made, as the site would have numbered them. The same seed gives
    the same signers, so that a demo looks the same on every machine.
    """
    rows = _rows(petition, count, since, until, random.Random(seed))  # noqa: S311 - sample data
    # Sample names repeat: each is hashed once.
    tokens = functools.cache(name_tokens)
    sizes = [min(chunk, count - start) for start in range(0, count, chunk)]
    if connection.vendor == "postgresql":
        # Python seals and formats the next rows while PostgreSQL writes and checks these.
        chunks = _ahead(_copy_prepare, [(rows, size, tokens) for size in sizes])
        write = _copy
    else:
        chunks = (_chunk(rows, size) for size in sizes)
        write = functools.partial(_bulk_create, tokens=tokens)
    for rows_of_chunk in chunks:
        with transaction.atomic():
            by_country = write(rows_of_chunk)
            for country, added in by_country.items():
                tally_add(petition_id=petition.pk, country=country, delta=added)
            forget_cached_counts_on_commit(petition)


def _chunk(rows, size):
    return sorted(itertools.islice(rows, size), key=operator.itemgetter(CREATED_AT))


def _ahead(function, arguments):
    """function(*each of arguments) in turn, each computed in a thread while the caller is busy
    with the one before (PostgreSQL's work releases the GIL)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for each in arguments:
            future = pool.submit(function, *each)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()


def _weighted(population, weights):
    """The choice that rng.choices(population, weights) makes from the same rng.random(), with
    the weights summed once rather than on every call."""
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1] + 0.0
    last = len(population) - 1
    return lambda draw: population[bisect.bisect(cumulative, draw * total, 0, last)]


def _rows(petition, count, since, until, rng):
    batch = uuid.uuid4().hex[:8]
    seconds = max((until - since).total_seconds(), 0)
    # Every sample address is at one domain and every /24 is one of three: hashed and parsed
    # once, not a million times. Receipts and public ids are unpredictable, as the site's are,
    # but drawn from a generator seeded by the system rather than a system call each: a
    # million rows take seconds, not a minute.
    domain_hash = email_domain_hash("signer@example.org")
    prefixes = {prefix: ip_prefix(f"{prefix}1") for prefix in IP_PREFIXES}
    # A sample address is its own canonical form (lower case, ASCII, no tag), so it is hashed
    # as email_hash would hash it, without canonicalising (IDNA) each of a million addresses.
    first = f"signer-{batch}-0@example.org"
    if canonical_email(first) != first:
        raise AssertionError(f"{first} is not canonical: hash it with email_hash.")
    hashed = keyed_hasher()
    unique = random.Random(secrets.randbits(128))  # noqa: S311 - sample data
    draw = rng.random
    country_of = _weighted(COUNTRIES, [country.weight for country in COUNTRIES])
    background_of = {
        country.code: _weighted(country.backgrounds, country.background_weights)
        for country in COUNTRIES
    }
    visibility_of = _weighted(
        [visibility.value for visibility in NAME_VISIBILITIES], NAME_VISIBILITY_WEIGHTS
    )
    petition_id = petition.pk
    confirmed_status = Signature.Status.CONFIRMED.value
    consent_version = settings.CONSENT_VERSION
    for index in range(count):
        country = country_of(draw())
        given, family, pattern = NAMES[background_of[country.code](draw())]
        email = f"signer-{batch}-{index}@example.org"
        # Most people sign in the first days after a launch, then fewer and fewer.
        signed = since + timedelta(seconds=seconds * draw() ** 2)
        # Most confirm within minutes, a few hours later.
        confirmed = min(signed + timedelta(minutes=rng.expovariate(1 / 20)), until)
        # Drawn in this order, so that a seed gives the same signers as it always has.
        name = pattern.format(given=rng.choice(given), family=rng.choice(family))
        town = rng.choice(country.towns) if draw() < 0.8 else ""
        visibility = visibility_of(draw())
        wants_updates = draw() < 0.3
        prefix = rng.choice(IP_PREFIXES)
        ip_address = f"{prefix}{rng.randrange(1, 255)}"
        yield (
            petition_id,
            str(uuid.UUID(int=unique.getrandbits(128), version=4)),
            confirmed_status,
            name,
            email,
            hashed(email),
            domain_hash,
            country.code,
            town,
            visibility,
            wants_updates,
            country.language,
            ip_address,
            prefixes[prefix],
            "".join(unique.choices(RECEIPT_ALPHABET, k=RECEIPT_LENGTH)),
            1,
            signed,
            confirmed,
            consent_version,
        )


@dataclass
class _CopyChunk:
    # Each row's COPY line after its id, and its name's token lines with "{0}" for the id.
    lines: list[str]
    tokens: list[str]
    by_country: Counter


def _copy_prepare(rows, size, tokens):
    """The next size rows as COPY's text format, sealed as saving each signature seals it.

    No escaping is needed: no sample value holds a tab, a newline or a backslash
    (tests/signatures/test_generate_signatures.py checks the names and towns), and PostgreSQL
    reads Python's True, False and datetimes as they print.
    """
    sealers = [(index, field.sealer()) for index, field in SEALED]
    templates = {}
    prepared = _CopyChunk([], [], Counter())
    for row in _chunk(rows, size):
        values = list(row)
        row_bytes = row[PUBLIC_ID].encode()
        for index, seal in sealers:
            if values[index]:
                values[index] = seal(values[index], row_bytes)
        prepared.lines.append(f"\t{'\t'.join(map(str, values))}\n")
        prepared.by_country[row[COUNTRY]] += 1
        name = row[FULL_NAME]
        template = templates.get(name)
        if template is None:
            template = templates[name] = "".join(
                f"{{0}}\t{token}\n" for token in sorted(tokens(name))
            )
        prepared.tokens.append(template)
    return prepared


def _copy(prepared):
    """COPY the signatures with ids taken from their sequence, then their names' tokens with
    the same ids: nothing to join afterwards."""
    table = Signature._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [sequence, len(prepared.lines)],
        )
        ids = [id for (id,) in cursor.fetchall()]
        sql = f"COPY {table} (id, {', '.join(COLUMNS)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for start in range(0, len(ids), LINES):
                end = start + LINES
                copy.write(
                    "".join(map(str.__add__, map(str, ids[start:end]), prepared.lines[start:end]))
                )
        sql = f"COPY {SignatureNameToken._meta.db_table} (signature_id, token) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for start in range(0, len(ids), LINES):
                end = start + LINES
                copy.write("".join(map(str.format, prepared.tokens[start:end], ids[start:end])))
    return prepared.by_country


def _bulk_create(rows, *, tokens):
    by_country = Counter()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        for row in batch:
            by_country[row[COUNTRY]] += 1
        signatures = Signature.objects.bulk_create(
            Signature(**dict(zip(COLUMNS, row, strict=True))) for row in batch
        )
        SignatureNameToken.objects.bulk_create(
            SignatureNameToken(signature_id=signature.pk, token=token)
            for signature in signatures
            for token in tokens(signature.full_name)
        )
    return by_country
