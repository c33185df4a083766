"""One lateness rule: the case list's ``overdue`` filter, the desk's overdue view and inbox
badge, the API's ``overdue`` and the KPIs all judge a case as
:func:`dispatch.rollup.tables.is_overdue` does (on time is judged at the resolution; a
resolution made in time that awaits 核查 is not late; a suspended case is not late)."""

from __future__ import annotations

from datetime import timedelta

from dispatch.api.serialize import case_doc
from dispatch.desk.inbox import inbox_page
from dispatch.kpi import wall_figures
from dispatch.models import Case
from dispatch.queries import list_cases
from dispatch.queues import BY_KEY, queue_counts, queue_page
from dispatch.rollup.tables import is_overdue
from tests.dispatch.factories import (
    ADMIN,
    JUDICIAL,
    LEADER,
    OPERATOR,
    PREFECTURE,
    Db,
    act,
    walk_to_handling,
)


def test_every_reader_judges_lateness_as_the_kpis_do(db: Db) -> None:
    in_time, order_a = walk_to_handling(db)
    late, order_b = walk_to_handling(db)
    still, _ = walk_to_handling(db)
    paused, _ = walk_to_handling(db)
    with db.begin() as s:
        due = s.get(Case, in_time).due_at  # type: ignore[union-attr]
    assert due is not None
    act(db, JUDICIAL, in_time, "resolve", due - timedelta(hours=2), order_id=order_a, result="已调解")
    act(db, JUDICIAL, late, "resolve", due + timedelta(hours=2), order_id=order_b, result="已调解")
    act(db, LEADER, paused, "suspend", due - timedelta(hours=1), reason="当事人外出")
    now = due + timedelta(days=1)
    expected = {in_time: False, late: True, still: True, paused: False}

    with db.begin() as s:
        cases = {i: s.get(Case, i) for i in expected}
        assert {i: is_overdue(c, now) for i, c in cases.items()} == expected
        assert {i: case_doc(c, now)["overdue"] for i, c in cases.items()} == expected  # type: ignore[arg-type]
        listed = {c.id for c in list_cases(s, ADMIN, PREFECTURE, overdue=True, now=now).items}
        assert listed == {late, still}
        others = {c.id for c in list_cases(s, ADMIN, PREFECTURE, overdue=False, now=now).items}
        assert others == {in_time, paused}  # the negation keeps every case that is not late
        queue = {c.id for c in queue_page(s, ADMIN, PREFECTURE, BY_KEY["overdue"], now=now).items}
        assert queue == {late, still}
        assert queue_counts(s, ADMIN, PREFECTURE, now)["overdue"] == 2
        verify = inbox_page(s, OPERATOR, "to_verify", now=now)
        assert {i.case_id: i.overdue for i in verify.items} == {in_time: False, late: True}
        assert wall_figures(s, PREFECTURE, now)["overdue"] == 2  # the KPIs (kpi_open)
