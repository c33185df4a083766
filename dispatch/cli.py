"""Sub-commands of the dispatch domain: ``db upgrade``, ``import FILE``, ``demo-data``."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from dispatch.accounts import cli as accounts_cli


def _engine(args: argparse.Namespace) -> Engine:
    """The engine the command works on; sets the product's time zone from the settings."""
    from config.settings import load_settings
    from dispatch.db import make_engine
    from dispatch.localtime import set_timezone

    settings = load_settings(getattr(args, "config", None))
    set_timezone(settings.timezone)
    url = getattr(args, "database_url", None)
    if not url:
        if settings.resolved_database_url.startswith("sqlite:///"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
    return make_engine(url)


def _factory(engine: Engine) -> sessionmaker[Session]:
    """The product's session factory: sessions keep the KPI rollups in step."""
    from dispatch.db import make_session_factory
    from dispatch.rollup import install_rollups

    return install_rollups(make_session_factory(engine))


def _first_admin(engine: Engine) -> None:
    """Create the first administrator once centers exist and no account does; print it once."""
    from dispatch.accounts.cli import ensure_first_admin

    with _factory(engine).begin() as session:
        created = ensure_first_admin(session)
    if created is not None:
        username, password = created
        print(
            f"首个管理员 · first administrator: {username} / {password}\n"
            "  一次性密码，首次登录后须修改 · one-time password: change it at first sign-in"
        )


def _db_upgrade(args: argparse.Namespace) -> int:
    from dispatch.migrate import current, upgrade

    engine = _engine(args)
    try:
        upgrade(engine, args.revision)
        print(f"数据库已升级 · database at revision {current(engine)}")
        _first_admin(engine)
    finally:
        engine.dispose()
    return 0


def _import(args: argparse.Namespace) -> int:
    from config.deployment import load_deployment
    from dispatch.registry import import_deployment

    deployment = load_deployment(args.file)  # raises ConfigError naming file, entry, field
    engine = _engine(args)
    try:
        with _factory(engine).begin() as session:  # one transaction: all or nothing
            summary = import_deployment(session, deployment)
        _first_admin(engine)
    finally:
        engine.dispose()
    created = ", ".join(f"{k} {v}" for k, v in sorted(summary.created.items())) or "none"
    updated = ", ".join(f"{k} {v}" for k, v in sorted(summary.updated.items())) or "none"
    print(
        f"已导入 · imported {args.file}: created {created}; updated {updated}; "
        f"unchanged {summary.unchanged}"
    )
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from dispatch import demo

    engine = _engine(args)
    try:
        result = demo.generate_demo(_factory(engine), seed=args.seed, cases=args.cases)
    finally:
        engine.dispose()
    if result is not None:
        print(result)
    return 0


def register(sub: Any) -> None:
    """Add this package's sub-commands to the ``zongzhi`` parser."""
    db = sub.add_parser("db", help="数据库 · database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = db_sub.add_parser("upgrade", help="apply migrations")
    up.add_argument("--revision", default="head")
    up.add_argument("--database-url", default=None)
    up.set_defaults(func=_db_upgrade)

    imp = sub.add_parser("import", help="导入部署文件 · import a deployment file (TOML)")
    imp.add_argument("file")
    imp.add_argument("--database-url", default=None)
    imp.set_defaults(func=_import)

    demo = sub.add_parser("demo-data", help="生成演示数据 · generate demo data")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--cases", type=int, default=100_000)
    demo.add_argument("--database-url", default=None)
    demo.set_defaults(func=_demo_data)

    accounts_cli.register(sub)  # zongzhi user …, zongzhi token …
