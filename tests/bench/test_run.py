import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (reachable(5432) and reachable(6379)),
        reason="the benchmark serves the site against PostgreSQL and Redis on 127.0.0.1",
    ),
]


def test_a_quick_run_measures_every_scenario_with_exact_counts(tmp_path):
    output = tmp_path / "results.json"

    finished = subprocess.run(  # noqa: S603
        [sys.executable, "bench/run.py", "--quick", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    results = json.loads(output.read_text())
    first, grown = results["sizes"].values()
    scenarios = {
        "fixed page",
        "petition page",
        "home page",
        "count.json",
        "staff signature list",
        "form",
        "signing",
        "confirming",
    }
    assert set(first["figures"]) == scenarios
    for label, figures in first["figures"].items():
        assert figures["requests"] > 0, label
        assert figures["errors"] == 0, (label, figures["first_error"])
        assert figures["p99_ms"] >= figures["p50_ms"] > 0, label
    assert grown["signatures"] >= 2000
    assert set(results["flat"]["2000"]) == {
        "fixed page",
        "petition page",
        "home page",
        "count.json",
        "staff signature list",
    }
    assert results["ratios"]["signing"] > 0
    assert results["suspected"] == 0
    assert results["exact"] is True
    assert results["drift"] == ""
    assert "counts exact: yes" in finished.stdout


def test_the_write_costs_list_each_kind_with_its_statements_and_the_steps_of_each():
    finished = subprocess.run(
        [sys.executable, "bench/write_costs.py", "--requests", "3", "--parts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    kinds, steps = finished.stdout.split("\n\n")
    lines = {line.split()[0]: line for line in kinds.splitlines()[2:]}
    assert set(lines) == {"form", "signing", "confirming"}
    assert lines["form"].endswith("  INSERT")
    assert lines["signing"].endswith("  SELECT BEGIN INSERT INSERT INSERT COMMIT")
    assert " BEGIN SELECT UPDATE INSERT DELETE UPDATE " in lines["confirming"]
    # Each step with its calls: the 3 measured, one counting statements, and the warm-up.
    calls = {line[:28].strip(): line.split()[-1] for line in steps.splitlines()[1:]}
    assert calls["signature_create"] == "x17"
    assert calls["signature_confirm"] == "x4"
    assert calls["either: the cookie"] == "x21"
