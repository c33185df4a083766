"""The ``zongzhi`` command. Each package contributes its sub-commands through ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from config.errors import ConfigError


def build_parser() -> argparse.ArgumentParser:
    from dashboard.server import launch, worker
    from dispatch import cli as dispatch_cli

    parser = argparse.ArgumentParser(
        prog="zongzhi", description="综治中心视频指挥调度 · video command and dispatch center"
    )
    parser.add_argument("--config", default=None, help="settings file (TOML)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dispatch_cli.register(sub)  # db, import, demo-data, and the accounts' user/token commands
    launch.register(sub)  # demo, serve
    worker.register(sub)  # worker: a share of the cameras, through PostgreSQL leases
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"zongzhi: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
