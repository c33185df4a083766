"""The scope's views (全部在办, 已超期): counted in SQL within the caller's scope, the same
figures as the lists, paged; finished cases are not open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.server.services import Services
from dispatch.errors import Forbidden
from dispatch.queues import BY_KEY, QUEUES, queue_counts, queue_page
from tests.dashboard.conftest import services_any  # noqa: F401  (the fixture)
from tests.dashboard.factories import PREFECTURE, make_case, operator

COUNTY = "532621"
OTHER_COUNTY = "532622"
VILLAGE = "532621101202"


def test_counts_match_the_lists_and_stay_in_scope(services_any: Services) -> None:  # noqa: F811
    svc = services_any
    past = datetime.now(UTC) - timedelta(days=1)
    with svc.session_factory.begin() as session:
        for _ in range(3):
            make_case(session, VILLAGE)
        make_case(session, "532622101201", title="别县的事")
        late = make_case(session, VILLAGE, title="超期")
        late.due_at = past
        finished = make_case(session, VILLAGE, title="已归档")
        finished.state, finished.due_at = "closed", past
        paused = make_case(session, VILLAGE, title="缓办")
        paused.state, paused.due_at = "suspended", past
    county = operator(f"{PREFECTURE}/{COUNTY}")
    with svc.session_factory() as session:
        counts = queue_counts(session, county, county.center_path)
        for queue in QUEUES:
            page = queue_page(session, county, county.center_path, queue, limit=200)
            assert counts[queue.key] == page.total == len(page.items), queue.key
            assert all(c.owning_path.startswith(county.center_path) for c in page.items)
        assert counts == {"all_open": 5, "overdue": 1}  # not the other county's, not the closed
        titles = [c.title for c in queue_page(session, county, county.center_path, BY_KEY["overdue"]).items]
        assert titles == ["超期"]  # a suspended case's clock is stopped


def test_pages_follow_each_other_without_overlap(services_any: Services) -> None:  # noqa: F811
    with services_any.session_factory.begin() as session:
        made = {make_case(session, VILLAGE, title=f"第{i}件").id for i in range(5)}
    county = operator(f"{PREFECTURE}/{COUNTY}")
    with services_any.session_factory() as session:
        pages = [queue_page(session, county, county.center_path, BY_KEY["all_open"], limit=2, offset=o)
                 for o in (0, 2, 4)]
    seen = [c.id for p in pages for c in p.items]
    assert [len(p.items) for p in pages] == [2, 2, 1] and set(seen) == made and len(seen) == 5
    assert all(p.total == 5 for p in pages)


def test_a_scope_outside_the_caller_is_refused(services_any: Services) -> None:  # noqa: F811
    county = operator(f"{PREFECTURE}/{COUNTY}")
    with services_any.session_factory() as session:
        with pytest.raises(Forbidden):
            queue_counts(session, county, f"{PREFECTURE}/{OTHER_COUNTY}")
        with pytest.raises(Forbidden):
            queue_page(session, county, f"{PREFECTURE}/{OTHER_COUNTY}", BY_KEY["overdue"])
