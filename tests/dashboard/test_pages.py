"""Page logic through Streamlit's AppTest: scope drill-down, action forms, workflow errors."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.server.services import Services
from dispatch.alerts import raise_alert
from dispatch.models import Alert, Case
from dispatch.types import AlertKind, Severity
from tests.dashboard.conftest import ENTRY
from tests.dashboard.factories import PREFECTURE, make_case

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def app(**query: str) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def console(svc: Services, case_id: int | None = None) -> AppTest:
    at = app(**({"case": str(case_id)} if case_id else {}))
    at.run()
    at.switch_page("../desk/page.py")
    if case_id:
        at.query_params["case"] = str(case_id)
    return at.run()


def scope_buttons(at: AppTest) -> list[str]:
    """Labels of the page's plain buttons (the scope bar's), not the wall group form's submit."""
    return [b.label for b in at.button if not b.proto.is_form_submitter]


def button(at: AppTest, label: str) -> Any:
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def case_state(svc: Services, case_id: int) -> str:
    with svc.session_factory() as session:
        return session.get(Case, case_id).state  # type: ignore[union-attr]


def test_wall_drills_down_and_back_up(services: Services) -> None:
    at = app().run()
    assert not at.exception
    assert scope_buttons(at) == ["文山州综治中心 · 州/市"]
    drill = at.selectbox(key="drill_532600_zh-CN")
    assert drill.options == ["选择下级中心", "文山市综治中心", "砚山县综治中心"]
    drill.select("532622").run()
    assert at.session_state["scope"] == "532622"
    assert at.query_params["scope"] == ["532622"] or at.query_params["scope"] == "532622"
    assert scope_buttons(at) == ["文山州综治中心 · 州/市", "砚山县综治中心 · 县/区"]
    at.selectbox(key="drill_532622_zh-CN").select("532622101").run()
    assert at.session_state["scope"] == "532622101"
    assert len(scope_buttons(at)) == 3
    button(at, "文山州综治中心 · 州/市").click().run()
    assert at.session_state["scope"] == PREFECTURE
    assert len(scope_buttons(at)) == 1


def test_scope_outside_the_viewer_is_refused(services: Services) -> None:
    from dashboard.server.access import open_principal

    services.open_principal = open_principal("532600/532621")
    at = app(scope="532622").run()
    assert any("无权查看" in e.value for e in at.error)
    assert at.session_state["scope"] == "532621"  # back home, never widened


def test_english_switch_translates_the_page(services: Services) -> None:
    at = app().run()
    at.radio(key="lang_switch").set_value("en").run()
    assert at.session_state["lang"] == "en"
    assert scope_buttons(at) == ["文山州综治中心 · Prefecture"]


def test_alert_is_acknowledged_with_one_click(services: Services) -> None:
    with services.session_factory.begin() as session:
        alert, _ = raise_alert(session, AlertKind.CAMERA_OFFLINE, Severity.CRITICAL, "532600/532621",
                               "摄像机离线 <b>x</b>", "camera_offline:test", camera_id=None)
        alert_id = alert.id
    at = app().run()
    at.switch_page("../alerts/page.py").run()
    assert not at.exception
    assert any("摄像机离线 <b>x</b>" in t.value for t in at.text)  # as text, not markup
    at.button(key=f"ack_{alert_id}").click().run()
    with services.session_factory() as session:
        row = session.get(Alert, alert_id)
        assert row is not None and row.acked_by == "demo" and row.acked_at is not None
    assert any(f"#{alert_id}" in s.value for s in at.success)


@pytest.mark.parametrize("page", ["../analysis/page.py", "../cameras/page.py"])
def test_reading_pages_render(services: Services, page: str) -> None:
    with services.session_factory.begin() as session:
        make_case(session, "532621101201", title="井盖缺失")
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
