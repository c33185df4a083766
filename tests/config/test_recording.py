"""The deployment's [recording] section: modes by camera, group and default; each mistake
names the entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.deployment import load_deployment
from config.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deployment.toml"
RECORDING = """
[recording]
default_mode = "events"
retention_days = 14
pre_event_seconds = 8
[[recording.storage]]
path = "/srv/video"
quota_gb = 200
[recording.cameras]
cam-jiangna-1 = "continuous"
[[recording.groups]]
name = "广场"
mode = "off"
cameras = ["cam-jiangna-1"]
"""


def _load(tmp_path: Path, extra: str) -> object:
    path = tmp_path / "deployment.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_deployment(path)


def test_modes_storage_and_defaults(tmp_path: Path) -> None:
    dep = _load(tmp_path, RECORDING)
    rec = dep.recording  # type: ignore[attr-defined]
    assert rec.mode_of("cam-jiangna-1") == "continuous"  # its own entry beats its group
    assert rec.mode_of("another") == "events"
    assert rec.storage_of("cam-jiangna-1").quota_bytes == 200 * 10**9
    assert load_deployment(EXAMPLE).recording.mode_of("cam-jiangna-1") == "off"


@pytest.mark.parametrize(("change", "entry", "field", "reason"), [
    (RECORDING.replace('cam-jiangna-1 = "continuous"', 'cam-nowhere = "continuous"'),
     "recording.cameras", "cam-nowhere", "unknown camera cam-nowhere"),
    (RECORDING.replace('cameras = ["cam-jiangna-1"]', 'cameras = ["cam-x"]'),
     "recording.groups[0] (广场)", "cameras", "unknown camera cam-x"),
    (RECORDING.replace('path = "/srv/video"', 'path = "video"'),
     "recording", "storage.0.path", "must be absolute"),
    (RECORDING.replace('quota_gb = 200', 'quota_gb = 0'),
     "recording", "storage.0.quota_gb", "greater than 0"),
    (RECORDING.replace('default_mode = "events"', 'default_mode = "always"'),
     "recording", "default_mode", "'off', 'continuous' or 'events'"),
    (RECORDING.replace('[[recording.storage]]\npath = "/srv/video"\nquota_gb = 200\n', ''),
     None, "recording", "no [[recording.storage]]"),
    (RECORDING.replace('quota_gb = 200\n', 'quota_gb = 200\ncameras = ["cam-jiangna-1"]\n')
     .replace('default_mode = "events"', 'default_mode = "off"') + '[[recording.storage]]\npath = "/srv/video"\nquota_gb = 1\n',
     "recording.storage[1] (/srv/video)", "path", "the same folder as recording.storage[0]"),
])
def test_mistakes_name_entry_and_field(tmp_path: Path, change: str, entry: str | None, field: str | None,
                                       reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, change)
    err = caught.value
    assert err.entry == entry and reason in err.reason, str(err)
    if field is not None:
        assert err.field == field, str(err)
