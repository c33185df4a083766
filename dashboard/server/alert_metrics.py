"""Open alerts on ``/metrics``: a gauge per kind and severity, for the caller's subtree.

Added to each scrape by the composition root (``build_stream_routes(extra_metrics=...)``);
counted by one grouped query over the open alerts of the scope (``open_key`` set).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from dashboard.server.access import NotAuthenticated, principal_of_scope
from dispatch.models import Alert
from dispatch.registry import subtree_filter
from dispatch.types import AlertKind, Severity

Counts = dict[tuple[str, str], int]


class OpenAlerts(Collector):
    """Every kind and severity, 0 where none is open (a series never vanishes)."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("zongzhi_alerts_open", "Open alerts of the caller's scope",
                                   labels=["kind", "severity"])
        for kind in AlertKind:
            for severity in Severity:
                family.add_metric([kind.value, severity.value],
                                  self.counts.get((kind.value, severity.value), 0))
        yield family


def count_open(session: Session, path: str) -> Counts:
    rows = session.execute(
        sa.select(Alert.kind, Alert.severity, sa.func.count())
        .where(Alert.open_key.is_not(None), subtree_filter(Alert.center_path, path))
        .group_by(Alert.kind, Alert.severity)
    ).all()
    return {(kind, severity): int(n) for kind, severity, n in rows}


def open_alerts_metrics(
    session_factory: sessionmaker[Session],
) -> Callable[[Request], Awaitable[list[Collector]]]:
    """The ``extra_metrics`` hook: the open alerts of the requesting principal's subtree."""

    def count(path: str) -> Counts:
        with session_factory() as session:
            return count_open(session, path)

    async def extra(request: Request) -> list[Collector]:
        try:
            principal = principal_of_scope(request.scope)
        except NotAuthenticated:
            return []
        return [OpenAlerts(await run_in_threadpool(count, principal.center_path))]

    return extra
