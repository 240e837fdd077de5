"""`make mutants` keeps what each run found, so that the next goes on from it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")


def keep(folder):
    """Run the Makefile's copying of results in `folder`, as `make mutants` does there."""
    subprocess.run(  # noqa: S603 - our own Makefile
        [
            MAKE,
            "--silent",
            "-C",
            str(folder),
            "-f",
            str(ROOT / "Makefile"),
            "--eval",
            "keep-results: ; $(KEEP_MUTATION_RESULTS)",
            "keep-results",
        ],
        check=True,
        capture_output=True,
    )


def write(path, text, age=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    moment = path.stat().st_mtime - age
    os.utime(path, (moment, moment))


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_a_runs_newer_results_are_kept_and_older_ones_never_replace_them(tmp_path):
    kept = tmp_path / "mutation-results"
    write(tmp_path / "mutants/signatures/forms.py.meta", "from this run")
    write(tmp_path / "mutants/deliveries/package.py.meta", "from an old run", age=3600)
    write(kept / "deliveries/package.py.meta", "kept since")
    write(tmp_path / "mutants/mutmut-stats.json", "megabytes")
    write(tmp_path / "mutants/signatures/forms.py", "the mutated source")

    keep(tmp_path)

    assert sorted(str(path.relative_to(kept)) for path in kept.rglob("*") if path.is_file()) == [
        "deliveries/package.py.meta",
        "signatures/forms.py.meta",
    ]
    assert (kept / "signatures/forms.py.meta").read_text() == "from this run"
    assert (kept / "deliveries/package.py.meta").read_text() == "kept since"


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_without_a_run_there_is_nothing_to_keep(tmp_path):
    keep(tmp_path)

    assert not (tmp_path / "mutation-results").exists()
