"""Importing a deployment: upsert by code, idempotent, all-or-nothing, paths follow moves."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from config.deployment import CenterEntry, Deployment, GridEntry
from dashboard.server.cli import main as zongzhi
from dispatch.db import Base, make_engine, make_session_factory
from dispatch.models import Camera, Case, Center, Department, Grid, Unit
from dispatch.registry import center_by_path, children, import_deployment, subtree_filter
from dispatch.rollup import install_rollups
from tests.dispatch.factories import EXAMPLE, deployment, make_db, new_case

TABLES = (Center, Grid, Unit, Department, Camera)


def counts(factory: object) -> dict[str, int]:
    with factory.begin() as s:  # type: ignore[attr-defined]
        return {
            m.__tablename__: s.scalar(sa.select(sa.func.count()).select_from(m)) for m in TABLES
        }


def test_import_builds_the_tree_and_a_second_import_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    factory = install_rollups(make_session_factory(engine))
    with factory.begin() as s:
        first = import_deployment(s, deployment())
    assert first.created == {"centers": 7, "grids": 1, "units": 1, "departments": 3, "cameras": 1}
    with factory.begin() as s:
        village = center_by_path(s, "532600/532622/532622101/532622101201")
        assert (
            village.level == 4 and village.parent is not None and village.parent.code == "532622101"
        )
        assert [c.code for c in children(s, village.parent)] == ["532622101201", "532622101202"]
        below = s.scalars(
            sa.select(Center.code).where(subtree_filter(Center.path, "532600/532622"))
        ).all()
        assert sorted(below) == ["532622", "532622101", "532622101201", "532622101202", "532622102"]
        snapshot = [
            (c.id, c.path, c.name) for c in s.scalars(sa.select(Center).order_by(Center.id))
        ]
    with factory.begin() as s:
        second = import_deployment(s, deployment())
    assert not second.changed and second.unchanged == 13
    with factory.begin() as s:
        assert [
            (c.id, c.path, c.name) for c in s.scalars(sa.select(Center).order_by(Center.id))
        ] == snapshot
    engine.dispose()


def test_a_failing_import_leaves_nothing_behind(database_url: str) -> None:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    factory = install_rollups(make_session_factory(engine))
    good = deployment()
    # A grid pointing at a center that is not there gets past no validation in real use; built
    # unvalidated here, it makes the import fail after the centers were already written.
    broken = Deployment.model_construct(
        **{
            **dict(good),
            "grids": [
                *good.grids,
                GridEntry.model_construct(
                    code="X1",
                    name="x",
                    center="999999999999",
                    households=1,
                    grid_workers=0,
                    lat=None,
                    lon=None,
                ),
            ],
        }
    )
    with pytest.raises(KeyError), factory.begin() as s:
        import_deployment(s, broken)
    assert counts(factory) == dict.fromkeys((m.__tablename__ for m in TABLES), 0)
    engine.dispose()


def test_moving_a_center_moves_paths_of_its_subtree_and_cases(database_url: str) -> None:
    db = make_db(database_url)
    case = new_case(db)  # owned by the township 532622101
    dep = deployment()
    moved = [
        c
        if c.code != "532622101"
        else CenterEntry(**{**c.model_dump(), "parent": "532623", "code": "532622101"})
        for c in dep.centers
    ]
    # Codes must extend the parent's; a re-parented township keeps its code only in this test.
    dep = Deployment.model_construct(**{**dict(dep), "centers": moved})
    with db.begin() as s:
        summary = import_deployment(s, dep)
    assert summary.updated["centers"] == 3  # the township and its two villages
    with db.begin() as s:
        assert s.get(Case, case.id).owning_path == "532600/532623/532622101"  # type: ignore[union-attr]
        assert center_by_path(s, "532600/532623/532622101/532622101202").level == 4
    db.engine.dispose()


def test_cli_import_reports_and_refuses_bad_files(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert zongzhi(["db", "upgrade", "--database-url", database_url]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('parent = "532622"', 'parent = "532699"', 1),
        encoding="utf-8",
    )
    assert zongzhi(["import", str(bad), "--database-url", database_url]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "centers[3] (532622101)" in err and "'parent'" in err
    engine = make_engine(database_url)
    factory = install_rollups(make_session_factory(engine))
    assert counts(factory)["centers"] == 0
    assert zongzhi(["import", str(EXAMPLE), "--database-url", database_url]) == 0
    assert zongzhi(["import", str(EXAMPLE), "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert (
        "created cameras 1, centers 7" in out and "created none; updated none; unchanged 13" in out
    )
    assert counts(factory)["centers"] == 7
    engine.dispose()
