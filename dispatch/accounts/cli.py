"""``zongzhi user add|passwd|disable|list`` and ``zongzhi token create|revoke|list``.

Passwords are never taken from the command line (they would land in shell history and in
``ps``): they are typed at a prompt, read from standard input with ``--password-stdin``, or
generated and printed once with ``--generate``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from dispatch.accounts import tokens, users
from dispatch.accounts.crypto import generate_password, utcnow
from dispatch.accounts.models import User
from dispatch.errors import DispatchError
from dispatch.localtime import TZ
from dispatch.models import Center
from dispatch.principal import Role


@contextmanager
def _factory(args: argparse.Namespace) -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured database, its engine disposed afterwards."""
    from config.settings import load_settings
    from dispatch.db import make_engine, make_session_factory

    settings = load_settings(args.config)
    engine = make_engine(settings.resolved_database_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated)."""
    if args.generate:
        return generate_password(), True
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n"), False
    first = getpass.getpass("密码 · password: ")
    if getpass.getpass("再次输入 · repeat: ") != first:
        raise DispatchError("两次输入不一致 · the passwords differ")
    return first, False


def _root_code(session: Session) -> str:
    code = session.scalars(sa.select(Center.code).where(Center.level == 1).order_by(Center.code)).first()
    if code is None:
        raise DispatchError("还没有中心: 先导入部署文件 · no centers yet: import the deployment first")
    return code


def _user_add(args: argparse.Namespace) -> int:
    roles = list(args.role or [])
    if args.admin and Role.ADMIN.value not in roles:
        roles.append(Role.ADMIN.value)
    password, generated = _read_password(args)
    with _factory(args) as factory, factory.begin() as session:
        center = args.center or (_root_code(session) if args.admin else None)
        if center is None:
            raise DispatchError("需要 --center · --center is required")
        user = users.add_user(
            session, args.username, password, center, roles, display_name=args.name or "",
            department=args.department, must_change_password=generated, actor="cli",
        )
        print(f"已创建 · created {user.username} @ {user.center.path} roles={','.join(user.roles)}")
    if generated:
        print(f"一次性密码 · one-time password: {password}")
    return 0


def _user_passwd(args: argparse.Namespace) -> int:
    password, generated = _read_password(args)
    with _factory(args) as factory, factory.begin() as session:
        users.set_password(session, args.username, password, actor="cli", must_change_password=generated)
    print(f"已修改密码, 会话已结束 · password changed, sessions ended: {args.username}")
    if generated:
        print(f"一次性密码 · one-time password: {password}")
    return 0


def _user_disable(args: argparse.Namespace) -> int:
    with _factory(args) as factory, factory.begin() as session:
        users.set_disabled(session, args.username, not args.enable, actor="cli")
    print(("已启用 · enabled " if args.enable else "已停用 · disabled ") + args.username)
    return 0


def _user_list(args: argparse.Namespace) -> int:
    with _factory(args) as factory, factory() as session:
        rows = users.list_users(session, args.under)
        print(f"{'username':<20} {'center':<34} {'roles':<22} {'dept':<10} state")
        for u in rows:
            state = "disabled" if u.disabled else "active"
            dept = u.department.code if u.department else "-"
            print(f"{u.username:<20} {u.center.path:<34} {','.join(u.roles):<22} {dept:<10} {state}")
    return 0


#: The longest a token may be made to live from the command line (ten years).
MAX_EXPIRES_DAYS = 3650


def positive_days(text: str) -> int:
    """``--expires-days``: a whole number of days, at least 1 (0 or less would not expire)."""
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_EXPIRES_DAYS:
        raise argparse.ArgumentTypeError(
            f"有效期须为 1–{MAX_EXPIRES_DAYS} 天的整数 · must be a whole number of days from 1 "
            f"to {MAX_EXPIRES_DAYS} (got {text!r}); leave --expires-days out for a token "
            "that does not expire"
        )
    return days


def _when(ts: datetime | None, none: str) -> str:
    """A stored UTC time in the product's zone, as an operator reads it."""
    return ts.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if ts else none


def _token_create(args: argparse.Namespace) -> int:
    expires = utcnow() + timedelta(days=args.expires_days) if args.expires_days else None
    with _factory(args) as factory, factory.begin() as session:
        row, value = tokens.create_token(
            session, args.name, args.center, args.action, sources=args.source,
            expires_at=expires, created_by="cli",
        )
        print(f"已创建令牌 · created token {row.name} @ {row.center.path} actions={','.join(row.actions)}"
              + (f" sources={','.join(row.sources)}" if row.sources else ""))
    print("令牌只显示这一次 · the token is shown only this once:")
    print(value)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    with _factory(args) as factory, factory.begin() as session:
        tokens.revoke_token(session, args.name, actor="cli")
    print(f"已吊销 · revoked {args.name}")
    return 0


def _token_list(args: argparse.Namespace) -> int:
    with _factory(args) as factory, factory() as session:
        print(f"{'name':<24} {'prefix':<12} {'center':<24} {'actions':<24} "
              f"{'expires':<17} {'last used':<17} state  ({TZ.name})")
        for t in tokens.list_tokens(session):
            print(f"{t.name:<24} {t.prefix:<12} {t.center.path:<24} {','.join(t.actions):<24} "
                  f"{_when(t.expires_at, 'never'):<17} {_when(t.last_used_at, 'never'):<17} "
                  f"{tokens.token_state(t)}")
    return 0


def _guard(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except (DispatchError, ValueError) as exc:
            print(f"zongzhi: {exc}", file=sys.stderr)
            return 2
    return run


def _password_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    g.add_argument("--generate", action="store_true", help="generate a one-time password and print it")


def register(sub: Any) -> None:
    """Add ``user`` and ``token`` to the ``zongzhi`` parser."""
    user = sub.add_parser("user", help="账号 · local accounts").add_subparsers(dest="user_command", required=True)
    p = user.add_parser("add", help="create an account")
    p.add_argument("username")
    p.add_argument("--center", help="行政区划 code of the home center (default for --admin: the root)")
    p.add_argument("--role", action="append", choices=sorted(r.value for r in users.USER_ROLES))
    p.add_argument("--admin", action="store_true", help="grant the administrator role")
    p.add_argument("--department", help="department code (liaisons)")
    p.add_argument("--name", help="display name")
    _password_options(p)
    p.set_defaults(func=_guard(_user_add))
    p = user.add_parser("passwd", help="set a new password (ends the user's sessions)")
    p.add_argument("username")
    _password_options(p)
    p.set_defaults(func=_guard(_user_passwd))
    p = user.add_parser("disable", help="disable an account (ends its sessions)")
    p.add_argument("username")
    p.add_argument("--enable", action="store_true", help="enable it again instead")
    p.set_defaults(func=_guard(_user_disable))
    p = user.add_parser("list", help="list accounts")
    p.add_argument("--under", help="only accounts whose home center lies under this path")
    p.set_defaults(func=_guard(_user_list))

    token = sub.add_parser("token", help="API 令牌 · API tokens").add_subparsers(dest="token_command", required=True)
    p = token.add_parser("create", help="create a token (printed once)")
    p.add_argument("name")
    p.add_argument("--center", required=True, help="行政区划 code of the center whose subtree it may reach")
    p.add_argument("--action", action="append", required=True, help="action it may take (repeat)")
    p.add_argument("--channel", "--source", dest="source", action="append",
                   help="intake channel it may report on, e.g. hotline_12345 (repeat)")
    p.add_argument("--expires-days", type=positive_days, default=None,
                   help="days until it stops working (1 or more; default: it does not expire)")
    p.set_defaults(func=_guard(_token_create))
    p = token.add_parser("revoke", help="revoke a token")
    p.add_argument("name")
    p.set_defaults(func=_guard(_token_revoke))
    p = token.add_parser("list", help="list tokens (never their values)")
    p.set_defaults(func=_guard(_token_list))


def ensure_first_admin(session: Session) -> tuple[str, str] | None:
    """Create ``admin`` at the root center with a one-time password when no account exists.

    Returns (username, password) to print once, or None when accounts exist already or no
    center has been imported yet. Meant for ``zongzhi db upgrade`` / first start.
    """
    if session.scalars(sa.select(User.id).limit(1)).first() is not None:
        return None
    root = session.scalars(sa.select(Center.code).where(Center.level == 1).order_by(Center.code)).first()
    if root is None:
        return None
    password = generate_password()
    users.add_user(
        session, "admin", password, root, [Role.ADMIN.value], display_name="系统管理员",
        must_change_password=True, actor="setup",
    )
    return "admin", password
