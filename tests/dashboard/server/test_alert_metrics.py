"""Open alerts on /metrics: counted per kind and severity for the caller's subtree only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from dashboard.server.alert_metrics import OpenAlerts, count_open
from dispatch.alerts import clear_alert, raise_alert, raise_camera_alert
from dispatch.types import AlertKind, Severity
from tests.dispatch.factories import COUNTY, OTHER_COUNTY, T0, TOWNSHIP, Db, make_db


@pytest.fixture
def db(database_url: str) -> Iterator[Db]:
    made = make_db(database_url)
    yield made
    made.engine.dispose()


def page(counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(OpenAlerts(counts))
    (family,) = text_string_to_metric_families(generate_latest(registry).decode())
    assert family.name == "zongzhi_alerts_open" and family.type == "gauge"
    return {(s.labels["kind"], s.labels["severity"]): s.value for s in family.samples}


def test_open_alerts_of_the_scope_by_kind_and_severity(db: Db) -> None:
    with db.begin() as s:
        raise_camera_alert(s, "cam-jiangna-1", "offline", at=T0)
        raise_camera_alert(s, "cam-jiangna-1", "tampered", detail="black", at=T0)
        raise_alert(s, AlertKind.CAMERA_OFFLINE, Severity.WARNING, OTHER_COUNTY, "x",
                    "camera_offline:elsewhere", now=T0)
        raise_alert(s, AlertKind.CAMERA_OFFLINE, Severity.WARNING, TOWNSHIP, "y",
                    "camera_offline:cleared", now=T0)
        clear_alert(s, "camera_offline:cleared", T0)
    with db.begin() as s:
        township = count_open(s, TOWNSHIP)
        county = count_open(s, COUNTY)
        whole = count_open(s, "532600")
    assert township == county == {("camera_offline", "warning"): 1,
                                  ("camera_tampered", "critical"): 1}
    assert whole[("camera_offline", "warning")] == 2
    shown = page(township)
    assert shown[("camera_offline", "warning")] == 1 and shown[("camera_tampered", "critical")] == 1
    assert shown[("case_overdue", "critical")] == 0, "every series present, zero when none"
    assert len(shown) == len(AlertKind) * len(Severity)
