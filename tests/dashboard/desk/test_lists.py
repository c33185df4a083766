"""The desk's lists through Streamlit's AppTest, in both languages: the inbox opens on what
awaits the account, with exact counts and the time left to sign; search by a number fragment;
the archive with a filter and paging; each row opens its case by number."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.server.access import open_principal
from dashboard.server.services import Services
from dashboard.shared.text import md
from dispatch.cases import perform
from dispatch.desk.inbox import Tab, inbox_counts
from dispatch.models import Case
from dispatch.principal import Principal, Role
from tests.dashboard.conftest import ENTRY
from tests.dashboard.factories import PREFECTURE, make_case

TOWN = "532621101"
VILLAGE = "532621101201"
TOWN_PATH = f"{PREFECTURE}/532621/{TOWN}"
VILLAGE_PATH = f"{TOWN_PATH}/{VILLAGE}"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW = re.compile(r"\b(None|True|False|dispatched|reported|to_sign|hotline_12345|walk_in|dispute|lead)\b|[{}]")
LANGS = {"zh-CN": ("待签收", "剩余", "派往"), "en": ("To sign", "left to sign", "To ")}


def desk(svc: Services, path: str, lang: str = "zh-CN", **query: str) -> AppTest:
    svc.open_principal = open_principal(path)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("../desk/page.py")
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def visible(at: AppTest) -> str:
    """The text a person reads: buttons, texts, captions, badges, messages, control options."""
    parts: list[Any] = [b.label for b in at.button] + [x.value for x in at.text]
    parts += [x.value for x in at.caption] + [x.value for x in at.info] + [x.value for x in at.error]
    parts += [x.value for x in at.markdown]  # badges are Markdown (":red-badge[…]")
    for control in at.get("button_group"):
        parts += [o.content for o in control.proto.options]
    return "\n".join(str(p) for p in parts)


def dispatched_to_village(svc: Services, title: str = "邻里纠纷") -> Case:
    """A case the township accepted and dispatched to its village (an order to sign)."""
    town = open_principal(TOWN_PATH)
    with svc.session_factory.begin() as session:
        case = make_case(session, TOWN, title=title)
        perform(session, town, case.id, "accept", {}, sla=svc.sla)
        perform(session, town, case.id, "dispatch", {"lead": {"center": VILLAGE}}, sla=svc.sla)
        session.flush()
        session.expunge(case)
    return case


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_inbox_opens_on_orders_to_sign_with_time_left(services: Services, lang: str) -> None:
    case = dispatched_to_village(services, title="**粗体** :smile: <b>x</b>")
    with services.session_factory.begin() as session:
        make_case(session, VILLAGE, title="本村上报")  # the village's own case to accept
    at = desk(services, VILLAGE_PATH, lang)
    assert not at.exception, at.exception
    tab_word, left_word, to_word = LANGS[lang]
    control = at.get("button_group")
    options = [o.content for o in control[1].proto.options]  # [0] is the desk's view switch
    with services.session_factory() as session:
        counts = inbox_counts(session, open_principal(VILLAGE_PATH))
    assert f"{tab_word} {counts[Tab.TO_SIGN]}" in options and counts[Tab.TO_SIGN] == 1
    text = visible(at)
    assert md(case.number) in text and left_word in text and to_word in text
    row = next(b for b in at.button if md(case.number) in b.label)
    # The user's title is literal: every Markdown character escaped in the button label.
    assert r"\*\*粗体\*\* \:smile\: \<b\>x\</b\>" in row.label
    words = re.sub(r":[a-z]+-badge\[", "[", text.replace(row.label, ""))  # what the page worded
    assert not ISO.search(words) and not RAW.search(words), words
    if lang == "zh-CN":
        assert not re.search(r"[A-Za-z]{2,}", words), words
    row.click().run()
    assert at.query_params["case"] == [case.number] or at.query_params["case"] == case.number
    assert not at.exception and not at.error and not at.get("button_group")  # the case page


def test_an_arrival_is_marked_new_and_announced(services: Services) -> None:
    at = desk(services, VILLAGE_PATH)
    assert [i.value for i in at.info] == ["这里暂时没有待办"] and not at.toast
    case = dispatched_to_village(services)
    at.run()  # what the inbox's timer does every 1.5 s
    assert [x.value for x in at.toast] == ["新待办：待签收 +1"]
    row = next(b for b in at.button if md(case.number) in b.label)
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert badges[0] == ":green-badge[新]" and row
    with services.session_factory.begin() as session:
        make_case(session, VILLAGE, title="又一件")  # lands in another tab
    at.run()
    assert [x.value for x in at.toast] == ["新待办：待受理 +1"]
    assert "待受理 1 · 新" in [o.content for o in at.get("button_group")[1].proto.options]


def test_a_late_order_reads_late_in_red(services: Services) -> None:
    case = dispatched_to_village(services)
    with services.session_factory.begin() as session:
        order_time = datetime.now(UTC) - timedelta(hours=3, minutes=5)
        session.get(Case, case.id).orders[0].dispatched_at = order_time  # type: ignore[union-attr]
    at = desk(services, VILLAGE_PATH)
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert ":red-badge[已超时 1小时5分]" in badges, badges


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_search_finds_a_case_by_a_fragment_of_its_number(services: Services, lang: str) -> None:
    with services.session_factory.begin() as session:
        case = make_case(session, VILLAGE, title="井盖缺失")
        make_case(session, VILLAGE, title="别的事")
        make_case(session, "532621101202", title="邻村井盖缺失")  # outside the village
    # A village: no drill-down box, whose labels AppTest cannot read back in English.
    at = desk(services, VILLAGE_PATH, lang)
    at.text_input(key="desk_search").input(case.number[-6:]).run()
    assert not at.exception, at.exception
    rows = [b.label for b in at.button if "_open_" in (b.key or "")]
    assert len(rows) == 1 and md(case.number) in rows[0] and "井盖缺失" in rows[0]
    at.text_input(key="desk_search").input("查无此事").run()
    assert [i.value for i in at.info] == [{"zh-CN": "没有找到相符的事件", "en": "No case matches"}[lang]]
    at.text_input(key="desk_search").input(case.number).run()
    next(b for b in at.button if md(case.number) in b.label).click().run()
    assert case.number in str(at.query_params["case"])


@pytest.mark.parametrize("lang", sorted(LANGS))
def test_archive_lists_finished_cases_with_filters_and_pages(services: Services, lang: str) -> None:
    with services.session_factory.begin() as session:
        made = [make_case(session, VILLAGE, title=f"已办{i}") for i in range(23)]
        for case in made:
            case.state, case.closed_at, case.satisfaction = "closed", datetime.now(UTC), "satisfied"
        made[0].state, made[0].closed_at, made[0].satisfaction = "refused", None, None
        make_case(session, VILLAGE, title="还在办")
    at = desk(services, VILLAGE_PATH, lang)
    at.get("button_group")[0].set_value("archive").run()
    assert not at.exception, at.exception
    text = visible(at)
    pages = {"zh-CN": "共 23 件 · 第 1/2 页", "en": "23 cases · page 1 of 2"}[lang]
    assert pages in text and "还在办" not in text
    assert len([b for b in at.button if "_open_" in (b.key or "")]) == 20
    assert not ISO.search(text) and "None" not in text and "satisfied" not in text
    at.button(key="archive_offset_next").click().run()
    assert len([b for b in at.button if "_open_" in (b.key or "")]) == 3
    at.selectbox(key=f"archive_state_{lang}").select("refused").run()
    rows = [b for b in at.button if "_open_" in (b.key or "")]
    assert len(rows) == 1 and md(made[0].number) in rows[0].label  # back to page one, one match
    rows[0].click().run()
    assert made[0].number in str(at.query_params["case"])


def test_scope_view_lists_every_open_case_of_the_scope(services: Services) -> None:
    with services.session_factory.begin() as session:
        make_case(session, VILLAGE, title="村里的事")
        make_case(session, "532622101201", title="别县的事")
    at = desk(services, TOWN_PATH)
    control = at.get("button_group")[0]
    assert [o.content for o in control.proto.options] == ["待办", "全部在办 1", "已超期 0", "归档"]
    control.set_value("all_open").run()
    text = visible(at)
    assert "村里的事" in text and "别县的事" not in text


def test_a_case_url_with_a_row_id_opens_nothing(services: Services) -> None:
    with services.session_factory.begin() as session:
        case_id = make_case(session, VILLAGE).id
    at = desk(services, TOWN_PATH, case=str(case_id))
    assert not at.exception
    assert at.get("button_group")  # the lists, not a case page


def test_only_accounts_that_may_report_are_offered_the_intake_form(services: Services) -> None:
    at = desk(services, TOWN_PATH)
    assert [x.label for x in at.toggle] == ["登记新事件"]
    services.open_principal = Principal(
        actor="liaison", center_path=TOWN_PATH, roles=frozenset({Role.LIAISON}),
        department="judicial",
    )  # fmt: skip
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("../desk/page.py")
    at.run()
    assert not at.exception
    assert "登记新事件" not in [x.label for x in at.toggle]  # a liaison receives orders, reports none
