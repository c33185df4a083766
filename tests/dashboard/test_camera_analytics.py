"""The cameras page's PTZ and gathering table: the scope's cameras only, no secret."""

from __future__ import annotations

from config.cameras import CameraConfig
from dashboard.cameras.analytics import analytics_rows

SECRET = "Ptz-Pw-5521"


def cameras() -> list[CameraConfig]:
    return [
        CameraConfig(id="a", name="路口", center="532622", sub_url="rtsp://u:rtsp-pw@10.0.0.5/s",
                     ptz={"url": "http://10.0.0.5:8080/onvif/ptz_service", "username": "admin",
                          "password": SECRET},
                     gathering={"hours": ["07:00-23:00"], "zones": [
                         {"name": "东侧", "points": [[0, 0], [1, 0], [1, 1]], "min_people": 6,
                          "hold_seconds": 45}]}),
        CameraConfig(id="b", name="河道", center="532622", sub_url="sim://"),
        CameraConfig(id="c", name="别处", center="532623", sub_url="sim://",
                     ptz={"url": "sim://c"}),
    ]


def test_rows_name_the_endpoint_and_zones_without_secrets() -> None:
    rows = analytics_rows(cameras(), {"a", "b"}, "zh-CN")
    assert rows == [{
        "name": "路口", "ptz": "http://10.0.0.5:8080/onvif/ptz_service",
        "zones": "东侧：≥6 人持续 45 秒", "rate": "每秒 1 帧", "hours": "07:00-23:00",
        "case": "是",
    }]
    text = repr(analytics_rows(cameras(), {"a", "b", "c"}, "en"))
    assert SECRET not in text and "admin" not in text and "rtsp-pw" not in text
    assert "East" not in text and "sim://c" in text and "≥ 6 people for 45 s" in text


def test_the_password_is_not_in_the_configs_repr() -> None:
    cam = cameras()[0]
    assert SECRET not in repr(cam) and SECRET not in str(cam.model_dump())
