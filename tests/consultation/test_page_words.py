"""The session page reads in the viewer's language, zh-CN and English: states, roles, times in
the local format, the timeline with translated actions and readable details, the running list
and the end summary as a document. No stored enum, ISO timestamp or Python dict reaches it."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from config.cameras import CameraConfig  # noqa: F401  (the page's imports, as in production)
from dashboard.server.services import Services
from dispatch.consultation import record
from dispatch.consultation import services as svc
from dispatch.consultation.chain import Invitee
from dispatch.consultation.links import link_key
from dispatch.consultation.models import Participant
from dispatch.types import CaseState
from dispatch.workflow import RECORD_ONLY_ACTIONS, TRANSITIONS
from tests.consultation.conftest import PRINCIPALS
from tests.consultation.test_page import PAGE, installed  # noqa: F401  (fixture)
from tests.dispatch.factories import OPERATOR

ENUMS = ({s.value for s in CaseState} | {t.action for t in TRANSITIONS} | set(RECORD_ONLY_ACTIONS)
         | {"invited", "connected", "disconnected", "left", "operator", "village_center",
            "township_center", "department", "leader", "grid_worker", "guest", "online", "offline",
            "degraded", "unknown", "None", "True", "False", "null"})
#: Account names (``township-leader``) are names, not values: a hyphen joins them.
#: zh-CN: no stored value at all. English: none of the stored identifiers and literals (plain
#: words such as "online" are English there).
RAW_ZH = re.compile(r"(?<![\w-])({})(?![\w-])".format("|".join(sorted(ENUMS, key=len, reverse=True))))
RAW_EN = re.compile(r"(?<![\w-])({})(?![\w-])".format("|".join(sorted(
    [e for e in ENUMS if "_" in e] + ["None", "True", "False", "null", "invited", "disconnected"],
    key=len, reverse=True))))
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d|Z)")
BRACES = re.compile(r"[{}]")
_UNESCAPE = re.compile(r"\\(.)")  # Markdown's backslash escapes, as the reader never sees them
_TAG, _STYLE = re.compile(r"<[^>]+>"), re.compile(r"<style.*?</style>", re.S)


def visible(at: AppTest) -> str:
    """Everything a person reads on the page, the dataframes' cells included."""
    parts: list[object] = [b.label for b in at.button] + [x.value for x in at.text]
    parts += [_UNESCAPE.sub(r"\1", x.value) for x in (*at.markdown, *at.caption)] + [x.value for x in at.title]
    parts += [x.value for x in at.subheader] + [x.value for x in at.info] + [x.value for x in at.error]
    parts += [x.value for x in at.success] + [x.value for x in at.warning]
    parts += [htmllib.unescape(_TAG.sub(" ", _STYLE.sub("", h.proto.body))) for h in at.get("html")]
    for frame in at.dataframe:
        parts += list(frame.value.columns)
        parts += [str(v) for row in frame.value.itertuples(index=False) for v in row]
    for box in (*at.selectbox, *at.multiselect):
        parts += [box.label, *[str(o) for o in box.options]]
    parts += [x.label for x in at.text_area] + [x.label for x in at.text_input]
    parts += [x.label for x in at.expander]
    return "\n".join(str(p) for p in parts)


def check(text: str, lang: str) -> None:
    raw = (RAW_ZH if lang == "zh-CN" else RAW_EN).findall(text)
    assert not raw, f"untranslated in {lang}: {sorted(set(raw))}\n{text}"
    assert not ISO.search(text), f"ISO time in {lang}: {ISO.search(text)}"  # type: ignore[union-attr]
    assert not BRACES.search(text), f"dict text in {lang}"


def page(lang: str, **params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def a_busy_session(svc_: Services, case_id: int) -> int:
    """A session with the chain invited, a camera, joins, a drop, a note, an urge, an arrival."""
    key = link_key(svc_.settings.data_dir)
    now = datetime.now(UTC) - timedelta(minutes=14)
    with svc_.session_factory.begin() as s:
        consult = svc.start_session(s, OPERATOR, case_id=case_id, now=now)
        svc.own_invitation(s, OPERATOR, consult.id, key=key)
        made = svc.invite_chain(s, OPERATOR, consult.id, key=key, now=now)
        svc.invite(s, OPERATOR, consult.id, Invitee("特邀律师", "guest"), key=key, now=now,
                   ttl=timedelta(hours=2))
        svc.attach_camera(s, OPERATOR, consult.id, "cam-gate", now=now)
        worker = next(i.participant for i in made if i.participant.role == "grid_worker")
        svc.mark_joined(s, worker, now=now + timedelta(seconds=20))
        svc.record_arrival(s, OPERATOR.actor, worker, now=now + timedelta(minutes=3))
        svc.mark_left(s, worker, dropped=True, now=now + timedelta(minutes=4))
        svc.mark_joined(s, worker, now=now + timedelta(minutes=5))
        svc.add_note(s, OPERATOR.actor, consult, "双方同意明日调解", now=now + timedelta(minutes=6))
        cid = consult.id
    with svc_.session_factory.begin() as s:
        record.take_action(s, PRINCIPALS["leader"], cid, "urge", {"message": "今日内签收"},
                           sla=svc_.sla, now=now + timedelta(minutes=7))
    return cid


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_session_page_reads_in_its_language(installed: tuple[Services, int], lang: str) -> None:  # noqa: F811
    svc_, case_id = installed
    cid = a_busy_session(svc_, case_id)
    # The list of running sessions: case number and title, people, length in local words.
    at = page(lang)
    text = visible(at)
    check(text, lang)
    with svc_.session_factory() as s:
        number = s.get(svc.Case, case_id).number  # type: ignore[union-attr]
    assert number in text and "邻里噪音纠纷" in text
    assert ("14 分钟" in text and "在线 1/7 人" in text) if lang == "zh-CN" else ("14 min" in text and "1 of 7 online" in text)
    assert any(b.key == f"open_{cid}" for b in at.button)

    # The session itself.
    at = page(lang, session=str(cid))
    text = visible(at)
    check(text, lang)
    if lang == "zh-CN":
        for words in ("网格员", "在线", "已邀请", "特邀人员", "催办", "会商掉线", "双方同意明日调解", "江那社区大门",
                      "到场（三必到）", "已进行 14 分钟"):
            assert words in text, words
    else:
        for words in ("Grid worker", "Connected", "Invited", "Guest", "Urge", "Dropped from session",
                      "running for 14 min", "Arrived on site"):
            assert words in text, words
    # The organiser shows a participant's link again: it is that participant's working link.
    with svc_.session_factory() as s:
        worker_id = s.query(Participant).filter_by(session_id=cid, role="grid_worker").one().id
    at.selectbox(key=f"resend_who_{cid}").select(worker_id).run()
    at.button(key=f"resend_{cid}").click().run()
    assert not at.exception, at.exception
    shown = at.code[0].value
    with svc_.session_factory() as s:
        assert svc.resolve_token(s, shown.rsplit("/", 1)[-1]).id == worker_id

    # Ended: the summary is a document in the viewer's language.
    with svc_.session_factory.begin() as s:
        record.end_session(s, OPERATOR, cid, conclusion="明日上午到司法所调解")
    at = page(lang, session=str(cid))
    text = visible(at)
    check(text, lang)
    summary = next(htmllib.unescape(_TAG.sub(" ", h.proto.body)) for h in at.get("html") if "zz-summary" in h.proto.body)
    if lang == "zh-CN":
        for words in ("会商纪要", "参会人员", "网格员", "未入会", "开始后 3 分钟 到场", "催办", "明日上午到司法所调解",
                      "江那社区大门", "取证截图：0 张"):
            assert words in summary, words
    else:
        for words in ("Session summary", "Participants", "Grid worker", "did not join", "on site 3 min after the start",
                      "Urge", "Evidence snapshots: 0"):
            assert words in summary, words
