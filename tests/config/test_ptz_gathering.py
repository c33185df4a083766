"""PTZ and gathering entries of the deployment file: bad ones fail naming the entry and field,
and the PTZ password never appears in an error or a dump of the configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.deployment import load_deployment
from config.errors import ConfigError
from config.gathering import in_windows, parse_window

HEAD = """
[[centers]]
code = "532600"
name = "文山州综治中心"
level = 1

[[cameras]]
id = "cam-square"
name = "广场"
center = "532600"
sub_url = "sim://?ptz=cam-square"
"""
SECRET = "Onvif-S3cret!"


def load(tmp_path: Path, extra: str) -> object:
    path = tmp_path / "deployment.toml"
    path.write_text(HEAD + extra, encoding="utf-8")
    return load_deployment(path)


def test_a_good_entry_loads(tmp_path: Path) -> None:
    dep = load(tmp_path, f"""
[cameras.ptz]
url = "http://10.1.2.3/onvif/ptz_service"
username = "operator"
password = "{SECRET}"
[cameras.gathering]
hours = ["07:00-23:00", "23:30-24:00"]
[[cameras.gathering.zones]]
name = "东侧"
points = [[0.1, 0.4], [0.9, 0.4], [0.9, 1.0]]
min_people = 6
hold_seconds = 20
""")
    cam = dep.cameras[0]  # type: ignore[attr-defined]
    assert cam.ptz.password.get_secret_value() == SECRET
    assert SECRET not in repr(dep) and SECRET not in str(dep.model_dump())  # type: ignore[attr-defined]
    assert cam.gathering.zones[0].min_people == 6 and cam.gathering.fps == 1.0


@pytest.mark.parametrize("extra, field, reason", [
    ('[cameras.ptz]\nurl = "ftp://10.1.2.3/x"\n', "ptz.url", "http"),
    (f'[cameras.ptz]\nurl = "http://admin:{SECRET}@10.1.2.3/x"\n', "ptz.url", "username/password"),
    ('[cameras.ptz]\nurl = "sim://"\n', "ptz.url", "head name"),
    ('[cameras.ptz]\nurl = "http://h/x"\nspeed = 2\n', "ptz.speed", "less than or equal"),
    ('[cameras.ptz]\nurl = "http://h/x"\nprofiel = "P"\n', "ptz.profiel", "Extra inputs"),
    ('[cameras.gathering]\nzones = []\n', "gathering.zones", "at least 1"),
    ('[cameras.gathering]\nhours = ["7-23"]\n[[cameras.gathering.zones]]\nname = "z"\n'
     'points = [[0, 0], [1, 0], [1, 1]]\n', "gathering.hours", "HH:MM-HH:MM"),
    ('[cameras.gathering]\n[[cameras.gathering.zones]]\nname = "z"\n'
     'points = [[0, 0], [1, 0], [1, 1.5]]\n', "gathering.zones.0.points", "outside the picture"),
    ('[cameras.gathering]\n[[cameras.gathering.zones]]\nname = "z"\n'
     'points = [[0, 0], [1, 0], [1, 1]]\n[[cameras.gathering.zones]]\nname = "z"\n'
     'points = [[0, 0], [1, 0], [1, 1]]\n', "gathering", "used twice"),
    ('[cameras.gathering]\n[[cameras.gathering.zones]]\nname = "z"\nmin_people = 1\n'
     'points = [[0, 0], [1, 0], [1, 1]]\n', "gathering.zones.0.min_people", "greater than or equal"),
])
def test_bad_entries_name_the_camera_and_field(tmp_path: Path, extra: str, field: str,
                                               reason: str) -> None:
    with pytest.raises(ConfigError) as err:
        load(tmp_path, extra)
    assert err.value.entry == "cameras[0] (cam-square)"
    assert err.value.field == field and reason in err.value.reason
    assert SECRET not in str(err.value)


def test_hours_may_cross_midnight() -> None:
    night = [parse_window("22:00-06:00")]
    assert in_windows(night, parse_window("23:00-23:30")[0])
    assert in_windows(night, parse_window("05:59-06:00")[0])
    assert not in_windows(night, parse_window("12:00-13:00")[0])
    assert in_windows([], parse_window("12:00-13:00")[0])
