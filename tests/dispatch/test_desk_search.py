"""Search: numbers whole or in part, text fields, phones (masked in results), scope, odd input,
on both backends and through both plans (text index for wide scopes, scan for narrow ones)."""

from __future__ import annotations

import sqlalchemy as sa

from dispatch.cases import report_case
from dispatch.desk import search_index
from dispatch.desk.search import search_cases
from dispatch.intake import parse_intake
from dispatch.models import Case
from dispatch.principal import Role
from tests.dispatch.factories import (
    COUNTY,
    COUNTY_OP,
    JUDICIAL,
    OPERATOR,
    OTHER_COUNTY,
    PREFECTURE,
    T0,
    TOWNSHIP,
    VILLAGE,
    VILLAGE_OP,
    Db,
    act,
    intake,
    new_case,
    principal,
)

WIDE = principal(PREFECTURE, Role.LEADER, actor="prefecture-leader")
NARROW = principal(TOWNSHIP, Role.OPERATOR, actor="township-op")


def _register(db: Db, **fields: object) -> Case:
    with db.begin() as s:
        case, _ = report_case(
            s, OPERATOR, parse_intake(intake(**fields), strict=True), sla=db.sla, now=T0
        )
        return case


def _numbers(db: Db, who: object, q: str, **kw: object) -> list[str]:
    with db.begin() as s:
        return [h.number for h in search_cases(s, who, q, **kw).items]  # type: ignore[arg-type]


def test_finds_by_number_fragment_text_phone_address_and_grid(db: Db) -> None:
    target = _register(
        db, title="土地承包纠纷", sub_kind="land", reporter="王芳", reporter_phone="13812345678",
        address="砚山县者腊乡那洒村3组27号", grid="532622101201001",
    )  # fmt: skip
    other = _register(db, title="邻里噪音", sub_kind="neighbour", reporter="李国华")
    number = target.number or ""
    for who in (WIDE, NARROW):
        assert _numbers(db, who, number) == [number]
        assert _numbers(db, who, number.lower()) == [number]
        assert _numbers(db, who, number[-6:]) == [number]
        assert _numbers(db, who, number[3:12]) == [other.number, number]
        for q in ("地承包", "土地承包纠纷", "王芳", "12345", "者腊乡那洒", "第一网格"):
            assert number in _numbers(db, who, q), (who.actor, q)
        assert _numbers(db, who, "邻里噪") == [other.number]
    # Two characters inside a field: a township scans its cases; a prefecture's index cannot.
    assert _numbers(db, NARROW, "承包") == [number]
    assert _numbers(db, WIDE, "承包") == []
    with db.begin() as s:
        (hit,) = search_cases(s, WIDE, number).items
        assert hit.exact_number and hit.reporter_phone_masked == "138****5678"
        assert "13812345678" not in repr(hit)


def test_exact_number_comes_first_then_newest(db: Db) -> None:
    cases = [new_case(db, title=f"纠纷{i}") for i in range(4)]
    first = cases[0].number or ""
    with db.begin() as s:
        # The full number matches only itself; a prefix shared by all lists newest first.
        shared = first[:12]
        result = search_cases(s, WIDE, shared, limit=2)
        assert [h.number for h in result.items] == [c.number for c in cases[::-1][:2]]
        assert result.has_more
        nxt = search_cases(s, WIDE, shared, limit=2, offset=2)
        assert [h.number for h in nxt.items] == [cases[1].number, cases[0].number]
        assert not nxt.has_more
        top = search_cases(s, WIDE, first)
        assert top.items[0].exact_number


def test_finished_cases_are_found_and_scope_is_respected(db: Db) -> None:
    refused = new_case(db, title="越界诉求")
    act(db, OPERATOR, refused.id, "refuse", reason="不属于受理范围")
    far = new_case(db, principal(OTHER_COUNTY), center="532623", title="越界诉求 西畴")
    assert _numbers(db, WIDE, "越界诉求") == [far.number, refused.number]
    assert _numbers(db, principal(COUNTY), "越界诉求") == [refused.number]
    assert _numbers(db, NARROW, "越界诉求") == [refused.number]
    with db.begin() as s:
        assert search_cases(s, WIDE, "越界诉求").items[1].finished


def test_order_holders_find_the_cases_of_their_orders(db: Db) -> None:
    """A township case dispatched to a village is found by the village's desk (by a fragment
    of its number, by text, and whole); a county case sent to a township department by that
    department's liaison; an unrelated village finds neither."""
    to_village = new_case(db, title="宅基地边界争议")
    act(db, OPERATOR, to_village.id, "accept")
    act(db, OPERATOR, to_village.id, "dispatch", lead={"center": VILLAGE.rsplit("/", 1)[-1]})
    to_dept = new_case(db, COUNTY_OP, center="532622", title="宅基地调解申请")
    act(db, COUNTY_OP, to_dept.id, "accept")
    act(db, COUNTY_OP, to_dept.id, "dispatch", lead={"department": "532622101-judicial"})
    untouched = new_case(db, title="宅基地其他诉求")
    number = to_village.number or ""
    assert _numbers(db, VILLAGE_OP, number[-6:]) == [number]
    assert _numbers(db, VILLAGE_OP, number) == [number]
    assert _numbers(db, VILLAGE_OP, "宅基地") == [number]
    assert _numbers(db, VILLAGE_OP, "边界") == [number]  # any substring, as in a small scope
    assert _numbers(db, JUDICIAL, "宅基地") == [untouched.number, to_dept.number, number]
    assert _numbers(db, JUDICIAL, (to_dept.number or "")[-6:]) == [to_dept.number]
    stranger = principal(VILLAGE.rsplit("/", 1)[0] + "/532622101202", Role.OPERATOR)
    assert _numbers(db, stranger, number[-6:]) == []
    assert _numbers(db, principal(TOWNSHIP, Role.LIAISON), "调解申请") == []
    assert _numbers(db, NARROW, "宅基地") == [untouched.number, number]
    with db.begin() as s:
        # Paging runs over the union of the subtree and the held orders.
        page = search_cases(s, VILLAGE_OP, "宅基地", limit=1)
        assert [h.number for h in page.items] == [number] and not page.has_more


def test_what_one_follows_is_found_by_its_own_search_box(db: Db) -> None:
    """A case the village sent up is found by the village's desk search (``followed``), by a
    fragment of its number and by text, but not by the consultation picker's search; its
    grid worker finds its own report; a sibling village and another grid worker do not."""
    grid = principal(VILLAGE, Role.GRID_WORKER, actor="grid-one")
    sent = new_case(db, VILLAGE_OP, center="532622101201", title="山体裂缝扩大").id
    act(db, VILLAGE_OP, sent, "escalate", reason="需乡镇组织排查")
    reported = new_case(db, grid, center="532622101201", channel="grid_worker",
                        title="山体落石").id
    act(db, VILLAGE_OP, reported, "escalate", reason="涉及两个村")
    with db.begin() as s:
        sent_no = s.get(Case, sent).number or ""  # type: ignore[union-attr]
        reported_no = s.get(Case, reported).number or ""  # type: ignore[union-attr]
    assert _numbers(db, VILLAGE_OP, sent_no[-6:], followed=True) == [sent_no]
    assert _numbers(db, VILLAGE_OP, sent_no, followed=True) == [sent_no]
    assert _numbers(db, VILLAGE_OP, "山体", followed=True) == [reported_no, sent_no]
    assert _numbers(db, VILLAGE_OP, "裂缝扩大", followed=True) == [sent_no]
    assert _numbers(db, VILLAGE_OP, sent_no[-6:]) == []  # without it: the scope only
    assert _numbers(db, grid, "山体", followed=True) == [reported_no]
    assert _numbers(db, grid, reported_no[-6:], followed=True) == [reported_no]
    other_grid = principal(VILLAGE, Role.GRID_WORKER, actor="grid-two")
    sibling = principal(VILLAGE.rsplit("/", 1)[0] + "/532622101202", Role.OPERATOR)
    for who in (other_grid, sibling):
        assert _numbers(db, who, "山体", followed=True) == []
    assert _numbers(db, NARROW, "山体", followed=True) == [reported_no, sent_no]  # in scope


def test_odd_input_neither_errors_nor_acts_as_wildcards(db: Db) -> None:
    new_case(db, title="物业费100%退还")
    new_case(db, title="普通纠纷")
    for who in (WIDE, NARROW):
        assert len(_numbers(db, who, "100%")) == 1
        assert _numbers(db, who, "%%%") == []
        assert _numbers(db, who, "___") == []
        assert _numbers(db, who, '"纠纷" OR *') == []
        assert _numbers(db, who, "a\x00b\x00c") == []
        assert _numbers(db, who, "纠" * 10_000) == []
        with db.begin() as s:
            short = search_cases(s, who, "纠")
            assert short.too_short and short.items == []
            assert search_cases(s, who, "\x00\x00").too_short


def test_the_index_follows_changes(db: Db) -> None:
    case = new_case(db, title="旧标题")
    with db.begin() as s:
        s.get(Case, case.id).title = "新标题内容"  # type: ignore[union-attr]
    assert _numbers(db, WIDE, "旧标题") == []
    assert _numbers(db, WIDE, "新标题内容") == [case.number]
    with db.begin() as s:
        # Workflow changes do not touch the text (nor rewrite the index).
        act(db, OPERATOR, case.id, "accept")
        assert search_index.SEP + "新标题内容" in (s.get(Case, case.id).search_text or "")  # type: ignore[union-attr]


def test_the_search_index_exists_after_migration(db: Db) -> None:
    with db.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        if conn.dialect.name == "sqlite":
            assert search_index.FTS_TABLE in names
        else:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("cases")}
            assert search_index.TRGM_INDEX in indexes
