"""The desk's queues: counted in SQL within the caller's scope, the same figures as the lists."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dashboard.server.services import Services
from dispatch.errors import Forbidden
from dispatch.models import Case
from dispatch.queues import BY_KEY, QUEUES, queue_counts, queue_page
from tests.dashboard.conftest import services_any  # noqa: F401  (the fixture)
from tests.dashboard.factories import PREFECTURE, make_case, operator

COUNTY = "532621"
OTHER_COUNTY = "532622"
VILLAGE = "532621101202"


def test_counts_match_the_lists_and_stay_in_scope(services_any: Services) -> None:  # noqa: F811
    svc = services_any
    with svc.session_factory.begin() as session:
        for _ in range(3):
            make_case(session, VILLAGE)
        make_case(session, "532622101201", title="别县的事")
        returned = make_case(session, VILLAGE, title="被退回")
        returned.return_count = 1
        returned.state = "accepted"
    county = operator(f"{PREFECTURE}/{COUNTY}")
    with svc.session_factory() as session:
        counts = queue_counts(session, county, county.center_path)
        for queue in QUEUES:
            page = queue_page(session, county, county.center_path, queue, limit=1000)
            assert counts[queue.key] == page.total == len(page.items), queue.key
            assert all(c.owning_path.startswith(county.center_path) for c in page.items)
        assert counts["returned"] == 1 and counts["to_accept"] == 3
        everything = session.scalar(sa.select(sa.func.count()).select_from(Case)) or 0
        assert counts["all_open"] < everything  # the other county's case is not counted
        assert queue_page(session, county, county.center_path, BY_KEY["to_accept"], q="别县").total == 0


def test_a_scope_outside_the_caller_is_refused(services_any: Services) -> None:  # noqa: F811
    county = operator(f"{PREFECTURE}/{COUNTY}")
    with services_any.session_factory() as session:
        with pytest.raises(Forbidden):
            queue_counts(session, county, f"{PREFECTURE}/{OTHER_COUNTY}")
        with pytest.raises(Forbidden):
            queue_page(session, county, f"{PREFECTURE}/{OTHER_COUNTY}", BY_KEY["overdue"])
