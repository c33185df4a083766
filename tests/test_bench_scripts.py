"""The bench scripts still start: each one imports what it needs and parses its options.

The benches are run by hand (their figures go in the README), not by CI, so a helper they
import can move without anyone noticing; this keeps them runnable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def test_every_bench_script_is_covered() -> None:
    assert {p.stem for p in SCRIPTS} >= {"fanout", "ingest", "latency", "session", "wall"}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_bench_script_starts(script: Path) -> None:
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout
