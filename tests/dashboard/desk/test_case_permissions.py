"""Buttons follow permission: the case page offers exactly the workflow's allowed actions for
the account, each with exactly its fields; what is still refused reads as a sentence."""

from __future__ import annotations

import pytest

from dashboard.server.services import Services
from dispatch.casefile import case_by_number
from dispatch.models import Case
from dispatch.principal import Principal
from dispatch.workflow import allowed_actions
from tests.dashboard.desk.case_helpers import (
    COUNTY_DESK,
    TOWN,
    TOWN_DEPT,
    TOWN_PATH,
    TOWNSHIP,
    VILLAGE,
    VILLAGER,
    act,
    action_buttons,
    add_town_department,
    case_page,
    liaison,
    submit,
    visible,
)
from tests.dashboard.factories import make_case


def new_case(svc: Services, center: str = TOWN, **kw: object) -> tuple[int, str]:
    with svc.session_factory.begin() as session:
        case = make_case(session, center, **kw)
        return case.id, case.number or ""


def expected(svc: Services, viewer: Principal, number: str) -> set[str]:
    with svc.session_factory() as session:
        return set(allowed_actions(session, viewer, case_by_number(session, COUNTY_DESK, number)))


def check(svc: Services, viewer: Principal, number: str) -> set[str]:
    at = case_page(svc, viewer, number)
    assert not at.exception, at.exception
    shown = action_buttons(at)
    assert shown == expected(svc, viewer, number)
    return shown


def test_village_sees_no_verify_or_rework_after_resolving(services: Services) -> None:
    case_id, number = new_case(services)
    act(services, TOWNSHIP, case_id, "accept")
    act(services, TOWNSHIP, case_id, "dispatch", {"lead": {"center": VILLAGE}})
    assert "sign" in check(services, VILLAGER, number)
    check(services, TOWNSHIP, number)
    act(services, VILLAGER, case_id, "sign")
    act(services, VILLAGER, case_id, "start")
    assert "resolve" in check(services, VILLAGER, number)
    act(services, VILLAGER, case_id, "resolve", {"result": "已调解"})
    village = check(services, VILLAGER, number)
    assert not {"verify", "rework"} & village
    assert {"verify", "rework"} <= check(services, TOWNSHIP, number)


def test_township_sees_no_sign_on_a_departments_order(services: Services) -> None:
    add_town_department(services)
    case_id, number = new_case(services)
    act(services, TOWNSHIP, case_id, "accept")
    act(services, TOWNSHIP, case_id, "dispatch", {"lead": {"department": TOWN_DEPT}})
    town = check(services, TOWNSHIP, number)
    assert not {"sign", "return"} & town
    assert {"sign", "return"} <= check(services, liaison(TOWN_PATH, TOWN_DEPT), number)


def test_township_sees_nothing_after_escalating_to_the_county(services: Services) -> None:
    case_id, number = new_case(services)
    act(services, TOWNSHIP, case_id, "escalate", {"reason": "涉及多个乡镇"})
    at = case_page(services, TOWNSHIP, number)
    assert action_buttons(at) == set() == expected(services, TOWNSHIP, number)
    assert "dispatch" in check(services, COUNTY_DESK, number)  # escalated cases arrive accepted


@pytest.mark.parametrize("lang, sentence", [("zh-CN", "请填写：原因"), ("en", "Please fill in: Reason")])
def test_a_refusal_reads_as_a_sentence_naming_what_is_missing(services: Services, lang: str, sentence: str) -> None:
    case_id, number = new_case(services)
    at = case_page(services, TOWNSHIP, number, lang)
    at.button(key="act_refuse").click().run()
    assert [ta.label for ta in at.text_area] == [("原因 *" if lang == "zh-CN" else "Reason *")]
    submit(at, number, "refuse")
    assert [e.value for e in at.error] == [sentence]
    assert "payload" not in visible(at) and "required by" not in visible(at)
    with services.session_factory() as session:
        assert session.get(Case, case_id).state == "reported"  # type: ignore[union-attr]
    at.text_area[0].input("不属于本中心受理范围")
    submit(at, number, "refuse")
    assert not at.error, [e.value for e in at.error]
    with services.session_factory() as session:
        assert session.get(Case, case_id).state == "refused"  # type: ignore[union-attr]


def test_dispatch_offers_departments_and_lower_centers_apart(services: Services) -> None:
    add_town_department(services)
    case_id, number = new_case(services)
    act(services, TOWNSHIP, case_id, "accept")
    at = case_page(services, TOWNSHIP, number)
    at.button(key="act_dispatch").click().run()
    depts = at.selectbox(key=f"form_{number}_dispatch_lead_department")
    centers = at.selectbox(key=f"form_{number}_dispatch_lead_center")
    assert depts.options == ["东镇派出所"]  # county departments are outside the township
    assert centers.options == ["东镇上村综治中心", "东镇下村综治中心"]
    depts.select(TOWN_DEPT)
    centers.select(VILLAGE)
    submit(at, number, "dispatch")
    assert [e.value for e in at.error] == ["主办单位只能选一个：部门或下级中心，不能两者都选"]
    at.selectbox(key=f"form_{number}_dispatch_lead_department").set_value(None)
    submit(at, number, "dispatch")
    assert not at.error, [e.value for e in at.error]
    with services.session_factory() as session:
        assert session.get(Case, case_id).state == "dispatched"  # type: ignore[union-attr]


def test_merge_takes_the_other_case_by_its_number(services: Services) -> None:
    case_id, number = new_case(services)
    _, other = new_case(services, title="同一纠纷")
    at = case_page(services, TOWNSHIP, number)
    at.button(key="act_merge").click().run()
    box = at.text_input(key=f"form_{number}_merge_into")
    box.input("ZZ-000000-20260101-999999")
    submit(at, number, "merge")
    assert [e.value for e in at.error] == ["没有找到这个事件编号，请核对：合并到事件编号"]
    at.text_input(key=f"form_{number}_merge_into").input(other)
    submit(at, number, "merge")
    assert not at.error, [e.value for e in at.error]
    with services.session_factory() as session:
        assert session.get(Case, case_id).state == "merged"  # type: ignore[union-attr]
