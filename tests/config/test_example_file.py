"""The example deployment file shows what a deployment may say and still loads: each limit
states its clock, one camera is important."""

from __future__ import annotations

import tomllib
from pathlib import Path

from config.deployment import load_deployment
from config.sla import Clock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deployment.toml"


def test_example_states_each_clock_and_an_important_camera() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert all("clock" in limit for limit in raw["sla"]["deadlines"].values())
    dep = load_deployment(EXAMPLE)
    clocks = {name.value: limit.clock for name, limit in dep.sla.deadlines.items()}
    assert clocks == {"emergency": Clock.WALL, "simple": Clock.WORKING_DAYS,
                      "ordinary": Clock.WORKING_DAYS, "complex": Clock.WORKING_DAYS}
    assert [c.id for c in dep.cameras if c.important] == ["cam-jiangna-1"]
