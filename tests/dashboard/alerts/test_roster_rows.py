"""The roster editor's rows become shifts in the product's time zone; the rows a grid adds
empty are skipped; a row without an end is refused by the service, not stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard.alerts.roster import rows_of
from dispatch.duty.roster import ShiftInput, save_roster
from dispatch.errors import InvalidInput
from dispatch.localtime import set_timezone
from dispatch.principal import Principal, Role


def test_edited_rows_are_local_times_and_empty_rows_are_skipped() -> None:
    set_timezone("Asia/Shanghai")
    frame = pd.DataFrame([
        {"username": "xian.duty", "role": "duty_officer", "starts": datetime(2026, 12, 1, 8),
         "ends": datetime(2026, 12, 2, 8)},
        {"username": None, "role": None, "starts": pd.NaT, "ends": pd.NaT},
    ])
    (row,) = rows_of(frame)
    assert row == ShiftInput("xian.duty", "duty_officer", row.starts_at, row.ends_at)
    assert row.starts_at.astimezone(UTC) == datetime(2026, 12, 1, 0, tzinfo=UTC)
    assert row.ends_at.astimezone(UTC) == datetime(2026, 12, 2, 0, tzinfo=UTC)


def test_a_row_without_an_end_is_refused_naming_the_row() -> None:
    frame = pd.DataFrame([{"username": "xian.duty", "role": "leader",
                           "starts": datetime(2026, 12, 1, 8), "ends": pd.NaT}])
    leader = Principal(actor="xian.leader", center_path="532600/532601",
                       roles=frozenset({Role.LEADER}))
    with pytest.raises(InvalidInput) as refused:
        # The check runs before any database access: no session is needed to be refused.
        save_roster(None, leader, "532600/532601", datetime(2026, 12, 1, tzinfo=UTC),  # type: ignore[arg-type]
                    datetime(2026, 12, 8, tzinfo=UTC), rows_of(frame))
    assert refused.value.field == "rows[0].ends_at"
