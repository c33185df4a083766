"""The case page in both languages: a summary in plain words, the whole trail with the
supervision history, orders translated, no raw value anywhere; photos shown."""

from __future__ import annotations

import pytest

from config.intake import IntakePolicy
from dashboard.server.services import Services
from dispatch.cases import report_case
from dispatch.intake import parse_intake
from dispatch.principal import Principal
from tests.dashboard.desk.case_helpers import (
    COUNTY_DESK,
    TOWN,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_PATH,
    VILLAGER,
    act,
    action_buttons,
    case_page,
    raw_leftovers,
    visible,
)

XSS = '<script>alert("x")</script>**粗体**'


def carried_case(svc: Services) -> str:
    """A case carried from report to a return visit, urged and notified on the way."""
    with svc.session_factory.begin() as session:
        intake = parse_intake({"title": XSS, "kind": "dispute", "sub_kind": "neighbour", "channel": "hotline_12345",
                               "center": TOWN, "address": "东镇上村3组", "reporter": "王芳",
                               "reporter_phone": "13812345678", "risk": "low"}, strict=True)
        # A deployment whose desks also type in 12345 calls (settings [intake] role_channels).
        desks_take_calls = IntakePolicy(role_channels={"operator": ["walk_in", "hotline_12345"]})
        case, _ = report_case(session, TOWNSHIP, intake, sla=svc.sla, policy=desks_take_calls)
        number, case_id = case.number, case.id
    act(svc, TOWNSHIP, case_id, "accept", {"complexity": "ordinary"})
    act(svc, TOWNSHIP, case_id, "dispatch", {"lead": {"center": VILLAGE}, "note": "请今日到场"})
    act(svc, COUNTY_DESK, case_id, "urge", {"message": "抓紧办理"})
    act(svc, VILLAGER, case_id, "sign")
    act(svc, COUNTY_DESK, case_id, "notify", {"reason": "超过时限未到场"})
    act(svc, VILLAGER, case_id, "start")
    act(svc, VILLAGER, case_id, "resolve", {"result": "双方达成调解协议"})
    act(svc, TOWNSHIP, case_id, "verify")
    act(svc, TOWNSHIP, case_id, "visit", {"satisfaction": "satisfied"})
    return number


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_case_page_reads_in_plain_words(services: Services, lang: str) -> None:
    number = carried_case(services)
    at = case_page(services, TOWNSHIP, number, lang)
    assert not at.exception, at.exception
    text = visible(at)
    assert not raw_leftovers(text, lang), raw_leftovers(text, lang)
    zh = lang == "zh-CN"
    for expected in (("满意", "低", "一般", "矛盾纠纷 · 邻里纠纷", "12345热线", "138****5678", "东镇上村3组")
                     if zh else ("Satisfied", "Low", "Ordinary", "Dispute", "12345 hotline", "138****5678")):
        assert expected in text, expected
    assert "13812345678" not in text  # the phone is masked
    # The whole trail, supervision included, with reasons and the order's target.
    for expected in (("受理", "派单", "催办", "抓紧办理", "通报", "超过时限未到场", "签收", "办结", "双方达成调解协议",
                      "核查通过", "回访评价", "主办 · 东镇上村综治中心", "请今日到场", "待派单 → 待签收")
                     if zh else ("Urge", "Notify", "Lead · 东镇上村综治中心", "Return visit")):
        assert expected in text, expected
    assert ("催办 1 次，通报 1 次" if zh else "urged 1×, notified 1×") in text
    assert text.count(number) >= 1 and " 21392" not in text
    # Orders translated: role, target, state; no id column.
    assert ("主办" if zh else "Lead") in text and ("已办结" if zh else "Done") in text
    # Text typed by users is shown as typed: escaped, never markup.
    bodies = "".join(h.proto.body for h in at.get("html"))
    assert "&lt;script&gt;" in bodies and "<script>alert" not in bodies


def test_every_trail_line_is_drawn_none_cut(services: Services) -> None:
    number = carried_case(services)
    at = case_page(services, TOWNSHIP, number)
    lines = [h for h in at.get("html") if 'class="zz-ev' in h.proto.body]
    assert len(lines) == 10  # report + 9 actions, each its own row (no fixed-height table)
    assert not at.get("arrow_data_frame")


def test_photos_of_a_case_are_shown(services: Services, tmp_path: object) -> None:
    import io

    from PIL import Image

    from dispatch.casefile import case_by_number
    from dispatch.desk.evidence import attach_photos, checked_photos

    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(buf, format="JPEG")
    number = carried_case(services)
    with services.session_factory.begin() as session:
        case = case_by_number(session, TOWNSHIP, number)
        photos = checked_photos([("现场.jpg", "image/jpeg", buf.getvalue())])
        attach_photos(session, case, "town1", photos, data_dir=services.settings.data_dir, now=case.reported_at)
    at = case_page(services, TOWNSHIP, number)
    assert len(at.get("image")) == 2  # among the case's photos, and on the trail's report line
    assert "暂无照片" not in visible(at)


def test_a_case_outside_the_viewer_reads_as_not_found(services: Services) -> None:
    number = carried_case(services)
    other = COUNTY_DESK.__class__(actor="x", center_path="532600/532622", roles=COUNTY_DESK.roles)
    at = case_page(services, other, number)
    assert [e.value for e in at.error] == ["事件不存在或不在您的范围内"]
    assert not [b for b in at.button if b.key and b.key.startswith("act_")]


def test_a_reporter_follows_its_report_after_it_went_up_read_only(services: Services) -> None:
    """A grid worker's report escalated to the township is outside the worker's village, but
    its reporter still opens it from 我上报的: the trail with the reason, where it is now, its
    own photo; no actions, no cameras, no one else's evidence. Anyone else of the village
    still reads "not found", and the API's scope is unchanged."""
    import io

    from PIL import Image

    from dispatch.casefile import case_by_number
    from dispatch.cases import get_case
    from dispatch.desk.evidence import attach_photos, checked_photos
    from dispatch.errors import Hidden
    from dispatch.principal import Role

    grid = Principal(actor="grid1", center_path=VILLAGE_PATH, roles=frozenset({Role.GRID_WORKER}),
                     name="网格员李四")
    other_grid = Principal(actor="grid2", center_path=VILLAGE_PATH,
                           roles=frozenset({Role.GRID_WORKER}), name="网格员王五")
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), "blue").save(buf, format="JPEG")
    with services.session_factory.begin() as session:
        intake = parse_intake({"title": "河堤渗水", "kind": "hazard", "sub_kind": "reservoir_river",
                               "channel": "grid_worker", "center": VILLAGE, "address": "上村河堤",
                               "risk": "medium"}, strict=True)
        case, _ = report_case(session, grid, intake, sla=services.sla)
        number, case_id = case.number, case.id
        attach_photos(session, case, "grid1", checked_photos([("渗水.jpg", "image/jpeg", buf.getvalue())]),
                      data_dir=services.settings.data_dir, now=case.reported_at)
        attach_photos(session, case, "village1", checked_photos([("复核.jpg", "image/jpeg", buf.getvalue())]),
                      data_dir=services.settings.data_dir, now=case.reported_at)
    act(services, VILLAGER, case_id, "escalate", {"reason": "险情超出村级处置能力"})

    at = case_page(services, grid, number)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    text = visible(at)
    assert "您是本事件的报告人：事件现由文山市东镇综治中心办理" in text, text[:400]
    assert "险情超出村级处置能力" in text and "河堤渗水" in text
    assert not action_buttons(at)
    assert len(at.get("image")) == 2  # its own photo, among the pictures and on the report line
    assert not raw_leftovers(text, "zh-CN"), raw_leftovers(text, "zh-CN")

    # Not the reporter: the village's other grid worker does not read it.
    at = case_page(services, other_grid, number)
    assert [e.value for e in at.error] == ["事件不存在或不在您的范围内"]
    with services.session_factory() as session:
        with pytest.raises(Hidden):  # the API's read keeps the scope
            get_case(session, grid, case_id)
        with pytest.raises(Hidden):
            case_by_number(session, other_grid, number, follower=True)
        assert case_by_number(session, grid, number, follower=True).id == case_id
