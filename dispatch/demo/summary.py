"""What the demo generator wrote, and how long it took."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dispatch.types import OPEN_STATES, CaseState

_OPEN = frozenset(s.value for s in OPEN_STATES)


@dataclass
class DemoSummary:
    """What :func:`generate_demo` wrote and how long it took."""

    seed: int
    now: datetime
    centers: dict[int, int] = field(default_factory=dict)  # by level
    grids: int = 0
    units: int = 0
    departments: int = 0
    people: int = 0
    cases: int = 0
    orders: int = 0
    events: int = 0
    states: dict[str, int] = field(default_factory=dict)
    open_overdue: int = 0
    open_high_risk: int = 0
    rollup_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def closed_share(self) -> float:
        return self.states.get(CaseState.CLOSED.value, 0) / self.cases if self.cases else 0.0

    def __str__(self) -> str:
        levels = " + ".join(str(self.centers.get(lvl, 0)) for lvl in (1, 2, 3, 4))
        open_ = sum(n for s, n in self.states.items() if s in _OPEN)
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in self.seconds.items())
        return (
            f"演示数据已生成 · demo data generated (seed {self.seed}, now {self.now:%Y-%m-%d %H:%M}Z)\n"
            f"  中心 centers {levels} = {sum(self.centers.values())}; 网格 grids {self.grids:,}; "
            f"十联户 units {self.units:,}; 部门 departments {self.departments:,}; "
            f"人员 people {self.people:,}\n"
            f"  事件 cases {self.cases:,} (closed {self.closed_share:.2%}, open {open_:,}, "
            f"overdue {self.open_overdue:,}, high-risk open {self.open_high_risk:,}); "
            f"orders {self.orders:,}; audit events {self.events:,}; rollup rows {self.rollup_rows:,}\n"
            f"  用时 time: {timing}"
        )
