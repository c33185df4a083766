"""Deployment files: the example loads; every kind of mistake names the file, entry and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.deployment import load_deployment
from config.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deployment.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")


def test_example_loads_with_its_tree_and_policy() -> None:
    dep = load_deployment(EXAMPLE)
    assert [c.level for c in dep.centers] == [1, 2, 2, 3, 3, 4, 4]
    assert dep.sla.near_deadline_fraction == 0.2
    assert dep.holidays.days_off() and dep.holidays.workdays


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return path


# (replace this, with that) in the example → (entry, field) the error must name.
MISTAKES = [
    (
        'parent = "532622101"\n\n[[centers]]\ncode = "532622101202"',
        'parent = "532699101"\n\n[[centers]]\ncode = "532622101202"',
        "centers[5] (532622101201)",
        "parent",
    ),
    (
        'code = "532622102"\nname = "平远镇综治中心"\nlevel = 3\nparent = "532622"',
        'code = "532622102"\nname = "平远镇综治中心"\nlevel = 3\nparent = "532600"',
        "centers[4] (532622102)",
        "parent",
    ),
    (
        'code = "532622102"\nname = "平远镇综治中心"\nlevel = 3',
        'code = "532623102"\nname = "平远镇综治中心"\nlevel = 3',
        "centers[4] (532623102)",
        "code",
    ),
    (
        'code = "532622102"\nname = "平远镇综治中心"\nlevel = 3',
        'code = "532622101"\nname = "平远镇综治中心"\nlevel = 3',
        "centers[4] (532622101)",
        "code",
    ),
    (
        'level = 4\nparent = "532622101"\n\n[[centers]]\ncode = "532622101202"',
        'level = 4\nparent = "532622101"\n\n[[centers]]\ncode = "5326221012"',
        "centers[6] (5326221012)",
        "code",
    ),
    (
        'code = "532623"\nname = "西畴县综治中心"\nlevel = 2',
        'code = "532623"\nname = "西畴县综治中心"\nlevel = "two"',
        "centers[2] (532623)",
        "level",
    ),
    (
        'center = "532622101201"\nhouseholds = 285',
        'center = "532622101"\nhouseholds = 285',
        "grids[0] (532622101201001)",
        "center",
    ),
    (
        'grid = "532622101201001"\nhouseholds = 12',
        'grid = "nope"\nhouseholds = 12',
        "units[0] (532622101201001-01)",
        "grid",
    ),
    (
        'center = "532622"\nmode = "rotating"',
        'center = "532622"\nmode = "sometimes"',
        "departments[1] (532622-court)",
        "mode",
    ),
    (
        'center = "532622"\nmode = "rotating"',
        'centre = "532622"\nmode = "rotating"',
        "departments[1] (532622-court)",
        "centre",
    ),
    (
        'center = "532622101201"\ngrid',
        'center = "532699101201"\ngrid',
        "cameras[0] (cam-jiangna-1)",
        "center",
    ),
    (
        "[sla.deadlines.simple]\nworking_days = 1",
        "[sla.deadlines.simple]\nworking_days = 1\nhours = 3",
        "sla",
        "deadlines.simple",
    ),
    (
        "workdays = [2026-09-20, 2026-10-10]",
        "workdays = [2026-09-20, 2026-10-03]",
        "holidays",
        "workdays",
    ),
]


@pytest.mark.parametrize(("old", "new", "entry", "field"), MISTAKES)
def test_a_mistake_names_file_entry_and_field(
    tmp_path: Path, old: str, new: str, entry: str, field: str | None
) -> None:
    assert TEXT.count(old) == 1, f"fixture text not found once: {old!r}"
    path = _write(tmp_path, TEXT.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_deployment(path)
    err = caught.value
    assert err.file == str(path)
    assert err.entry == entry
    if field is not None:
        assert err.field == field
    assert str(path) in str(err) and entry in str(err)


def test_duplicate_codes_name_both_entries(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        TEXT
        + '\n[[departments]]\ncode = "532622-police"\nname = "x"\ncenter = "532622"\nmode = "resident"\n',
    )
    with pytest.raises(ConfigError, match=re.escape("departments[0]")) as caught:
        load_deployment(path)
    assert caught.value.entry == "departments[3] (532622-police)" and caught.value.field == "code"


def test_broken_toml_and_missing_file_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, TEXT + "\n[[centers]\n")
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_deployment(path)
    assert caught.value.file == str(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_deployment(tmp_path / "absent.toml")


def test_camera_url_secrets_never_reach_the_error(tmp_path: Path) -> None:
    text = TEXT.replace(
        'sub_url = "sim://square"', 'sub_url = "rtsp://admin:hunter2@10.0.0.5/s"\nenabled = "maybe"'
    )
    with pytest.raises(ConfigError) as caught:
        load_deployment(_write(tmp_path, text))
    assert caught.value.field == "enabled"
    assert "hunter2" not in str(caught.value)
