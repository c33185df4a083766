"""Intake details (validated, stored, masked) and the archive's filters, count and paging."""

from __future__ import annotations

import pytest

from dispatch.cases import report_case
from dispatch.desk.archive import ArchiveFilter, archive_page
from dispatch.desk.intake import duplicate_hints
from dispatch.desk.phone import mask_phone
from dispatch.errors import Forbidden, InvalidInput
from dispatch.intake import parse_intake
from dispatch.models import Case
from tests.dispatch.factories import (
    ADMIN,
    OPERATOR,
    T0,
    VILLAGE_OP,
    Db,
    act,
    intake,
    new_case,
)

UNIT, GRID = "532622101201001-01", "532622101201001"


def test_strict_intake_requires_a_sub_kind_and_checks_fields() -> None:
    assert parse_intake(intake()).sub_kind is None  # the API stays lenient
    with pytest.raises(InvalidInput) as err:
        parse_intake(intake(), strict=True)
    assert err.value.field == "sub_kind"
    for bad, field in (
        ({"sub_kind": "fire"}, "sub_kind"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"reporter_phone": "1381234567x"}, "reporter_phone"),
    ):
        with pytest.raises(InvalidInput) as err:
            parse_intake(intake(**{"sub_kind": "family", **bad}))
        assert err.value.field == field
    ok = parse_intake(intake(sub_kind="family", reporter_phone="+86 138-1234-5678"), strict=True)
    assert ok.reporter_phone == "13812345678"
    assert mask_phone(ok.reporter_phone) == "138****5678"


def test_report_stores_intake_details_and_checks_places(db: Db) -> None:
    with db.begin() as s:
        raw = intake(sub_kind="neighbour", unit=UNIT, address="江那社区1组2号",
                     reporter_phone="13812345678")  # fmt: skip
        case, created = report_case(s, OPERATOR, parse_intake(raw, strict=True), sla=db.sla)
        assert created and case.unit_id and case.grid_id  # the unit brought its grid
        assert (case.address, case.reporter_phone, case.sub_kind) == (
            "江那社区1组2号", "13812345678", "neighbour",
        )  # fmt: skip
        hints = duplicate_hints(s, OPERATOR, phone="138 1234 5678")
        assert [h.number for h in hints] == [case.number] and hints[0].same_phone
        assert hints[0].reporter_phone_masked == "138****5678"
    with db.begin() as s, pytest.raises(InvalidInput) as err:
        # A grid outside the receiving center's subtree.
        report_case(s, ADMIN, parse_intake(intake(center="532623", grid=GRID)), sla=db.sla)
    assert err.value.field == "grid"
    with db.begin() as s, pytest.raises(InvalidInput) as err:
        report_case(s, OPERATOR, parse_intake(intake(unit="nope")), sla=db.sla)
    assert err.value.field == "unit"


def test_archive_lists_finished_cases_with_filters_and_exact_count(db: Db) -> None:
    done = []
    for i in range(5):
        case = new_case(db, title=f"已拒{i}", kind="hazard" if i % 2 else "dispute")
        act(db, OPERATOR, case.id, "refuse", reason="不属于受理范围")
        done.append(case.id)
    new_case(db, title="在办")
    with db.begin() as s:
        page = archive_page(s, OPERATOR, limit=2)
        assert page.total == 5 and [i.case_id for i in page.items] == done[::-1][:2]
        rest = (
            archive_page(s, OPERATOR, limit=2, offset=2).items
            + archive_page(s, OPERATOR, limit=2, offset=4).items
        )
        assert [i.case_id for i in rest] == done[::-1][2:]
        assert archive_page(s, OPERATOR, ArchiveFilter(kind="hazard")).total == 2
        assert archive_page(s, OPERATOR, ArchiveFilter(state="closed")).total == 0
        assert archive_page(s, OPERATOR, ArchiveFilter(reported_from=T0)).total == 5
        assert archive_page(s, VILLAGE_OP).total == 0
        with pytest.raises(Forbidden):
            archive_page(s, VILLAGE_OP, ArchiveFilter(scope_path="532600"))
        with pytest.raises(InvalidInput):
            ArchiveFilter(state="handling")
        assert s.get(Case, done[0]).state == "refused"  # type: ignore[union-attr]
