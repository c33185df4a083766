"""Shared by the case page and intake tests: accounts of the small deployment, the desk page
opened on a case by number, and what a person reads on it."""

from __future__ import annotations

import html
import re
from typing import Any

from streamlit.testing.v1 import AppTest

from dashboard.server.services import Services
from dispatch import types
from dispatch.cases import perform
from dispatch.models import Case, Department
from dispatch.principal import Principal, Role
from dispatch.workflow import RECORD_ONLY_ACTIONS, TRANSITIONS
from tests.dashboard.conftest import ENTRY
from tests.dashboard.factories import PREFECTURE

COUNTY, TOWN, VILLAGE = "532621", "532621101", "532621101201"
COUNTY_PATH = f"{PREFECTURE}/{COUNTY}"
TOWN_PATH = f"{COUNTY_PATH}/{TOWN}"
VILLAGE_PATH = f"{TOWN_PATH}/{VILLAGE}"
TOWN_DEPT = "532621101-police"  # a police station stationed at the township (added by tests)
DESK = frozenset({Role.OPERATOR, Role.DUTY_OFFICER, Role.LEADER})


def desk_of(path: str, actor: str) -> Principal:
    return Principal(actor=actor, center_path=path, roles=DESK, name=actor)


def liaison(path: str, department: str) -> Principal:
    return Principal(actor="liaison1", center_path=path, roles=frozenset({Role.LIAISON}),
                     name="派出所联络员", department=department)


TOWNSHIP, VILLAGER, COUNTY_DESK = desk_of(TOWN_PATH, "town1"), desk_of(VILLAGE_PATH, "village1"), desk_of(COUNTY_PATH, "county1")


def add_town_department(svc: Services) -> None:
    import sqlalchemy as sa

    from dispatch.models import Center

    with svc.session_factory.begin() as session:
        town_id = session.scalar(sa.select(Center.id).where(Center.code == TOWN))
        session.add(Department(code=TOWN_DEPT, name="东镇派出所", center_id=town_id, mode="resident"))


def act(svc: Services, who: Principal, case: Case | int, action: str, payload: dict[str, Any] | None = None) -> None:
    case_id = case if isinstance(case, int) else case.id
    with svc.session_factory.begin() as session:
        if action in ("sign", "start", "resolve", "return") and "order_id" not in (payload or {}):
            from dispatch.casefile import held_orders
            from dispatch.cases import orders_of

            order = held_orders(session, who, orders_of(session, case_id))[0]
            payload = {**(payload or {}), "order_id": order.id}
        perform(session, who, case_id, action, payload or {}, sla=svc.sla)


def case_page(svc: Services, viewer: Principal, number: str, lang: str = "zh-CN") -> AppTest:
    svc.open_principal = viewer
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("../desk/page.py")
    at.query_params["case"] = number
    return at.run()


def action_buttons(at: AppTest) -> set[str]:
    return {b.key.removeprefix("act_") for b in at.button if b.key and b.key.startswith("act_")}


def submit(at: AppTest, number: str, action: str) -> AppTest:
    return at.button(key=f"FormSubmitter:form_{number}_{action}-{'提交' if at.session_state['lang'] != 'en' else 'Submit'}").click().run()


_STYLE = re.compile(r"<style>.*?</style>", re.S)
_TAG = re.compile(r"<[^>]+>")


def visible(at: AppTest) -> str:
    """The text a person reads on the page."""
    parts: list[Any] = [b.label for b in at.button] + [x.value for x in at.text] + [x.value for x in at.markdown]
    parts += [x.value for x in at.caption] + [x.value for x in at.info] + [x.value for x in at.error]
    parts += [x.value for x in at.success] + [x.value for x in at.warning]
    parts += [html.unescape(_TAG.sub(" ", _STYLE.sub("", h.proto.body))) for h in at.get("html")]
    for box in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [box.label, *box.options]
    parts += [x.label for x in at.text_area] + [x.label for x in at.text_input]
    return "\n".join(str(p) for p in parts)


ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}[+-]\d{2}:?\d{2}")
LITERAL = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|[{}]|\[\s*'|':\s")
_GROUPS = (types.CaseState, types.CaseKind, types.Channel, types.Risk, types.Satisfaction, types.Complexity,
           types.OrderRole, types.OrderState)
RAW_VALUES = {v.value for g in _GROUPS for v in g} | {t.action for t in TRANSITIONS} | set(RECORD_ONLY_ACTIONS)


def raw_leftovers(text: str, lang: str) -> list[str]:
    """Untranslated enum values, Python literals and ISO timestamps in ``text``. In English
    only values a translation never contains (snake_case) count as raw."""
    found = ISO.findall(text) + LITERAL.findall(text)
    for word in re.findall(r"[A-Za-z_]+", text):
        if word in RAW_VALUES and (lang != "en" or "_" in word):
            found.append(word)
    return found
