"""Time and peak memory of rendering a delivery dossier, on synthetic rows that mix scripts.

Each size runs in a fresh process, so that its peak resident memory is its own. Needs no database.
Run from the project root:

    .venv/bin/python benchmarks/dossier.py [--rows 10000 --rows 50000] [--keep out.pdf]
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Syllables or letters per script; names drawn from them are nearly all different, as real
# names are, so shaping is rarely served from the cache, and Han and Hangul use thousands of
# distinct glyphs, as a large petition's do.
SYLLABLES = {
    "Latin": "zo ë łu ka sie wicz ñú ñez mül ler gar cía an na jür gen ay şe tom sø ren nguy ễn"
    " o'b rien du bois",
    "Cyrillic": "але ксей ма рия смир нов ива но ва дми трий ольга шев чен ко ів ан",
    "Arabic": "محمد فاطمة أحمد ليلى الأحمد الخطيب بن علي العلي سعيد نور حسن",
    "Hebrew": "דוד שרה יוסף מרים כהן לוי מזרחי אברהם רחל",
}
BLOCKS = {"Hangul": (0xAC00, 11172), "Han": (0x4E00, 0x5000), "Kana": (0x3041, 86)}
COUNTRY_CODES = ["GB", "KR", "CN", "JP", "EG", "IL", "PL", "DE", "FR", "UA"]
COUNTRIES = [
    "United Kingdom",
    "Korea, Republic of",
    "China",
    "Japan",
    "Egypt",
    "Israel",
    "Poland",
    "Germany",
    "France",
    "Ukraine",
]


def synthetic_name(chance: random.Random, script: str) -> str:
    if script in BLOCKS:
        first, size = BLOCKS[script]
        return "".join(chr(first + chance.randrange(size)) for _ in range(chance.randint(2, 3)))
    if script == "Japanese":
        return synthetic_name(chance, "Han") + " " + synthetic_name(chance, "Kana")
    syllables = SYLLABLES[script].split()
    if script in ("Arabic", "Hebrew"):
        return " ".join(chance.sample(syllables, 2))
    words = ("".join(chance.sample(syllables, chance.randint(2, 3))) for _ in range(2))
    return " ".join(word.capitalize() for word in words)


def synthetic_rows(count: int):
    from deliveries.dossier import DossierRow

    chance = random.Random(20261201)  # noqa: S311 - reproducible test data
    scripts = ["Latin", "Cyrillic", "Arabic", "Hebrew", "Hangul", "Han", "Japanese"]
    first_day = date(2025, 1, 1)
    for number in range(1, count + 1):
        yield DossierRow(
            number=number,
            name="Anonymous"
            if number % 17 == 0
            else synthetic_name(chance, chance.choice(scripts)),
            # Often in another script than the name, as for Arabic names in Manchester.
            town=synthetic_name(chance, chance.choice(scripts)),
            country=chance.choice(COUNTRIES),
            signed_on=first_day + timedelta(days=number * 365 // count),
        )


def cover(total: int):
    from deliveries.dossier import DossierCover

    return DossierCover(
        title="Refugee status for North Koreans",
        target="The Government of the People's Republic of China",
        recipient_name="Embassy of the People's Republic of China in London",
        recipient_address="49-51 Portland Place\nLondon W1B 1JL",
        organiser="Jane Doe",
        body="North Koreans who escape to China are sent back.\n\n" * 3,
        demands=["Stop forced repatriation.", "Grant refugee status.", "Let the UNHCR in."],
        total=total,
        prepared_on=date(2026, 12, 1),
        tally=[
            (code, name, total // len(COUNTRIES))
            for code, name in zip(COUNTRY_CODES, COUNTRIES, strict=True)
        ],
    )


def measure(rows: int, keep: str | None) -> dict:
    sys.path.insert(0, str(ROOT))
    from deliveries.dossier import dossier_write

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.NamedTemporaryFile(suffix=".pdf") as scratch:
        target = Path(keep) if keep else Path(scratch.name)
        started = time.perf_counter()
        with target.open("wb") as out:
            dossier_write(out, cover=cover(rows), rows=synthetic_rows(rows))
        seconds = time.perf_counter() - started
        size = target.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "rss_before_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "pdf_mib": round(size / 2**20, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="repeatable; 10000 and 50000")
    parser.add_argument("--keep", help="write the (last) PDF here instead of a scratch file")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one measurement, as JSON
    options = parser.parse_args()
    if options.one:
        print(json.dumps(measure(options.one, options.keep)))
        return
    print(f"{'rows':>9} {'seconds':>8} {'rows/s':>8} {'RSS before':>11} {'peak RSS':>9} {'PDF':>8}")
    for rows in options.rows or [10_000, 50_000]:
        command = [sys.executable, __file__, "--one", str(rows)]
        if options.keep:
            command += ["--keep", options.keep]
        result = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)  # noqa: S603
        print(
            f"{result['rows']:>9,} {result['seconds']:>8} {result['rows_per_second']:>8,}"
            f" {result['rss_before_mib']:>8} MiB {result['peak_rss_mib']:>5} MiB"
            f" {result['pdf_mib']:>4} MiB"
        )


if __name__ == "__main__":
    main()
