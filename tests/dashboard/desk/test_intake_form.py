"""The intake form: kind and sub-kind chosen explicitly, grid and 十联户 unit of the chosen
center, phone, photos checked as the API checks uploads, and the duplicate hint before filing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboard.server.services import Services
from dispatch.models import Attachment, Case, Center, Grid, Unit
from tests.dashboard.desk.case_helpers import TOWN, TOWNSHIP, VILLAGE, case_page, visible

GRID, UNIT = "532621101201-G01", "532621101201-G01-U01"


@pytest.fixture
def places(services: Services) -> None:
    with services.session_factory.begin() as session:
        village = session.scalar(sa.select(Center.id).where(Center.code == VILLAGE))
        grid = Grid(code=GRID, name="上村第一网格", center_id=village)
        session.add(grid)
        session.flush()
        session.add(Unit(code=UNIT, grid_id=grid.id, households=12, head="李四"))


def intake(svc: Services, lang: str = "zh-CN") -> AppTest:
    at = case_page(svc, TOWNSHIP, "", lang)  # no case open: the lists and the intake toggle
    at.toggle(key="show_intake").set_value(True).run()
    return at


def fill(at: AppTest, *, sub_kind: bool = True) -> AppTest:
    at.radio(key="in_channel").set_value("handed_down")
    at.text_input(key="in_title").input("楼上漏水 <b>x</b>")
    at.selectbox(key="in_kind").select("dispute").run()
    if sub_kind:
        at.selectbox(key="in_sub_kind_dispute").select("neighbour")
    at.selectbox(key="in_risk").select("medium")
    at.selectbox(key="in_center").select(TOWN).run()
    at.selectbox(key=f"in_grid_{TOWN}").select(GRID).run()
    at.selectbox(key=f"in_unit_{GRID}").select(UNIT)
    at.text_input(key="in_address").input("东镇上村3组12号")
    at.text_input(key="in_reporter").input("王芳")
    at.text_input(key="in_phone").input("138-1234-5678")
    return at.run()


def test_nothing_is_chosen_for_the_operator(services: Services, places: None) -> None:
    at = intake(services)
    # Only the desk's own channels (dispatch.channels): no 12345 or police push to type in.
    assert at.radio(key="in_channel").options == ["来访", "上级交办", "线索移送"]
    for key in ("in_kind", "in_risk"):
        assert at.selectbox(key=key).value is None
    assert at.selectbox(key="in_sub_kind_None").disabled
    at.selectbox(key="in_kind").select("hazard").run()
    assert "地质灾害隐患" in at.selectbox(key="in_sub_kind_hazard").options


@pytest.mark.parametrize("lang, sentence", [("zh-CN", "登记失败：请填写：子类"),
                                            ("en", "Registration failed: Please fill in: Sub-kind")])
def test_a_missing_sub_kind_is_refused_in_words(services: Services, places: None, lang: str, sentence: str) -> None:
    at = fill(intake(services, lang), sub_kind=False)
    at.button(key="in_submit").click().run()
    assert [e.value for e in at.error] == [sentence]
    with services.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_handed_down_report_is_filed_with_its_place_phone_and_photo(services: Services, places: None) -> None:
    at = fill(intake(services))
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buf, format="PNG")
    # AppTest cannot drive a file uploader: the photo goes through the same check as the form's.
    from dispatch.desk.evidence import checked_photos

    assert checked_photos([("a.png", "image/png", buf.getvalue())])[0].content_type == "image/png"
    at.button(key="in_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    with services.session_factory() as session:
        case = session.scalars(sa.select(Case)).one()
        grid = session.get(Grid, case.grid_id)
        unit = session.get(Unit, case.unit_id)
        assert (case.sub_kind, case.address, case.reporter_phone) == ("neighbour", "东镇上村3组12号", "13812345678")
        assert grid is not None and grid.code == GRID and unit is not None and unit.code == UNIT
    assert at.query_params["case"] in (case.number, [case.number])


def test_photos_are_checked_as_the_api_checks_them() -> None:
    from dashboard.i18n import tr
    from dashboard.shared.refusals import refusal_text
    from dispatch.desk.evidence import checked_photos
    from dispatch.errors import InvalidInput

    with pytest.raises(InvalidInput) as bad:
        checked_photos([("a.jpg", "image/jpeg", b"not a picture")])
    assert refusal_text(bad.value, "zh-CN") == tr("refusal.photo_type", "zh-CN")
    with pytest.raises(InvalidInput) as big:
        checked_photos([("a.jpg", "image/jpeg", b"\xff\xd8\xff" + b"0" * (8 * 1024 * 1024))])
    assert refusal_text(big.value, "zh-CN") == "照片太大：每张不超过 8 MB"
    with pytest.raises(InvalidInput) as many:
        checked_photos([("a.jpg", "image/jpeg", b"\xff\xd8\xff")] * 7)
    assert refusal_text(many.value, "zh-CN") == "照片太多：最多 6 张"


def test_the_duplicate_hint_shows_open_cases_with_the_same_phone(services: Services, places: None) -> None:
    at = fill(intake(services))
    at.button(key="in_submit").click().run()
    with services.session_factory() as session:
        first = session.scalars(sa.select(Case)).one().number
    at = intake(services)
    assert not at.warning
    at.text_input(key="in_phone").input("13812345678").run()
    assert [w.value for w in at.warning] == ["近 30 天有 1 件在办事件可能是同一件事，请先核对："]
    text = visible(at)
    assert first in text and "电话相同" in text and "楼上漏水 <b>x</b>" in text
    with services.session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
