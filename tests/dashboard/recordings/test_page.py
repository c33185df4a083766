"""The playback page in both languages: without recording it says why; with it, the scope's
cameras, the moment and the span to pick, and the clip form, all translated."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from config.recording import RecordingPolicy
from config.streams import StreamSettings
from dashboard.recordings.service import RecordingService
from dashboard.server.services import Services
from dispatch.models import Camera
from streams.hub import StreamHub

PAGE = Path(__file__).resolve().parents[3] / "dashboard" / "recordings" / "page.py"

LOCAL = datetime.fromtimestamp(1796000000, ZoneInfo("Asia/Shanghai"))  # the link's moment


def page(lang: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.query_params["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_without_recording_the_page_says_so(services: Services) -> None:
    at = page("zh-CN")
    assert [i.value for i in at.info] == ["本部署未开启录像（部署文件中没有 [[recording.storage]]）"]


def test_cameras_moment_and_clip_form(services: Services, tmp_path: Path) -> None:
    policy = RecordingPolicy(default_mode="continuous",
                             storage=[{"path": tmp_path / "video", "quota_gb": 1}])  # type: ignore[list-item]
    hub = StreamHub([], StreamSettings())
    services.recording = RecordingService(hub, policy, services.session_factory, tmp_path, "Asia/Shanghai")
    for lang, words in (("zh-CN", ("摄像机（最多 4 路同步回放）", "时间轴范围", "存为证据")),
                        ("en", ("Cameras (up to 4 in step)", "Timeline span", "Keep as evidence"))):
        at = page(lang, at="1796000000")
        cams = at.multiselect[0]
        assert cams.label == words[0] and len(cams.value) == 1 and cams.options
        assert at.selectbox[-1].label == words[1]
        assert at.selectbox[-1].value == 10
        assert at.time_input[0].value.strftime("%H:%M") == LOCAL.strftime("%H:%M")
        assert words[2] in [b.label for b in at.button]


def test_recorded_cameras_come_first_and_say_how_they_record(services: Services,
                                                              tmp_path: Path) -> None:
    with services.session_factory() as session:
        named = session.execute(sa.select(Camera.id, Camera.name).order_by(Camera.name)).all()
    assert len(named) >= 3
    recorded_id, recorded_name = named[-1]  # last by name: first only because it records
    policy = RecordingPolicy(default_mode="off", cameras={recorded_id: "continuous"},
                             storage=[{"path": tmp_path / "video", "quota_gb": 1}])  # type: ignore[list-item]
    services.recording = RecordingService(StreamHub([], StreamSettings()), policy,
                                          services.session_factory, tmp_path, "Asia/Shanghai")
    for lang, suffix in (("zh-CN", " · 连续录像"), ("en", " · recorded continuously")):
        shown = page(lang).multiselect[0]
        assert shown.options[0] == recorded_name + suffix, shown.options[:3]
        assert shown.value == [recorded_id], "the recorded camera is the one chosen at first"
        assert not any(o.endswith(suffix) for o in shown.options[1:])
        assert named[0][1] in shown.options  # the others are listed by their plain names
