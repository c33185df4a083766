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
    assert {p.stem for p in SCRIPTS} >= {"fanout", "ingest", "janus_room", "latency", "recording_encoded",
                                         "session", "wall"}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_bench_script_starts(script: Path) -> None:
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


def test_workers_bench_quick_run(postgres_url: str) -> None:
    """The stream workers' bench end to end at its smallest: real workers, a kill -9."""
    done = subprocess.run([sys.executable, str(BENCH / "workers.py"), "--quick",
                           "--database-url", postgres_url], capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "2 worker(s):" in done.stdout and "CPU per camera ÷ 1 worker" in done.stdout
    assert "takeover after kill -9, 1 kills" in done.stdout


def test_replicas_bench_quick_run(postgres_url: str) -> None:
    """Throughput through nginx with one and two app processes, at its smallest."""
    done = subprocess.run([sys.executable, str(BENCH / "replicas.py"), "--quick",
                           "--pg-url", postgres_url], capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "throughput 2 processes ÷ 1 process:" in done.stdout
    assert "errors" not in done.stdout, done.stdout
