"""The session page with Streamlit's AppTest: start on a case, note, end with the summary."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from config.settings import Settings
from config.streams import StreamSettings
from dashboard.server.services import Services, install
from dispatch.models import Case, CaseEvent
from streams.conference.rooms import Conference
from tests.consultation.conftest import case_in_handling, migrated_db
from tests.dispatch.factories import OPERATOR

PAGE = str(Path(__file__).resolve().parents[2] / "dashboard" / "consultation" / "page.py")


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[tuple[Services, int]]:
    db = migrated_db(f"sqlite:///{tmp_path / 'page.db'}")
    case_id = case_in_handling(db)
    svc = Services(settings=Settings(data_dir=tmp_path), engine=db.engine, session_factory=db.factory)
    svc.open_principal = OPERATOR
    svc.sla, svc.conference = db.sla, Conference(None, StreamSettings())
    install(svc)
    try:
        yield svc, case_id
    finally:
        install(None)
        db.engine.dispose()


def test_start_note_and_end_from_the_page(installed: tuple[Services, int]) -> None:
    svc, case_id = installed
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.run()
    assert not at.exception
    with svc.session_factory() as s:
        number = s.get(Case, case_id).number  # type: ignore[union-attr]
    at.text_input(key="consult_case").input(number).run()  # the case by its number, never its id
    next(b for b in at.button if b.label == "开始会商").click()
    at.run()
    assert not at.exception, at.exception
    assert at.query_params["session"]
    at.run()
    assert not at.exception, at.exception
    html = " ".join(str(h.proto) for h in at.get("html"))
    assert "ZZ-" in html and "邻里噪音纠纷" in html
    people = next(d.value for d in at.dataframe if "姓名" in d.value.columns)
    assert len(people) == 6  # the operator and the five of the chain
    note = next(t for t in at.text_area if t.label == "会商记录")
    note.set_value("双方同意调解")
    next(b for b in at.button if b.label == "添加记录").click()
    at.run()
    assert not at.exception, at.exception
    next(t for t in at.text_area if t.label == "会商结论").set_value("明日调解")
    next(b for b in at.button if b.label == "结束会商").click()
    at.run()
    assert not at.exception, at.exception
    with svc.session_factory() as s:
        actions = [e.action for e in s.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case_id)
                                               .order_by(CaseEvent.seq))]
        end = s.scalar(sa.select(CaseEvent).where(CaseEvent.action == "session_end"))
    assert "session_note" in actions and actions[-1] == "session_end"
    assert end is not None and end.payload["conclusion"] == "明日调解"
    assert any(d.get("text") == "双方同意调解" for d in end.payload["decisions"])
