"""Scopes: the center a caller looks at, its breadcrumb up to the caller's home and its children.

A scope is a center's materialized path (``532600/532622/532622101``). Every page and route
resolves the scope it is asked for against the caller's principal with :func:`resolve`: a path
outside the principal's subtree is refused, never silently widened.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.models import Camera, Center
from dispatch.principal import Principal


class ScopeError(LookupError):
    """The scope asked for does not exist or lies outside the viewer's subtree."""

    def __init__(self, key: str, code: str) -> None:
        self.key = key  # translation key: scope.unknown or scope.denied
        self.code = code
        super().__init__(f"{key}: {code}")


@dataclass(frozen=True)
class CenterRef:
    """A center as pages show it (no ORM object escapes a session)."""

    id: int
    code: str
    name: str
    level: int
    path: str


def center_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Center id → name, for the few centers a list shows."""
    if not ids:
        return {}
    return dict(session.execute(sa.select(Center.id, Center.name).where(Center.id.in_(ids))).all())


def camera_paths(session: Session) -> dict[str, str]:
    """Camera id → its center's path, for access checks on stream routes."""
    rows = session.execute(
        sa.select(Camera.id, Center.path).join(Center, Camera.center_id == Center.id)
    ).all()
    return {cid: path for cid, path in rows}


def _ref(center: Center) -> CenterRef:
    return CenterRef(center.id, center.code, center.name, center.level, center.path)


def root_path(session: Session) -> str:
    """The path of the top center (level 1, or the shallowest one)."""
    path = session.scalar(sa.select(Center.path).order_by(Center.level, Center.code).limit(1))
    if path is None:
        raise ScopeError("scope.unknown", "-")
    return path


def resolve(session: Session, principal: Principal, code_or_path: str | None) -> CenterRef:
    """The center for a code or path the viewer asked for; the viewer's home when none."""
    wanted = (code_or_path or "").strip().strip("/")
    if not wanted:
        wanted = principal.center_path
    code = wanted.rsplit("/", 1)[-1]
    center = session.scalar(sa.select(Center).where(Center.code == code))
    if center is None:
        raise ScopeError("scope.unknown", code)
    if not principal.sees(center.path):
        raise ScopeError("scope.denied", code)
    return _ref(center)


def breadcrumb(session: Session, principal: Principal, scope: CenterRef) -> list[CenterRef]:
    """Centers from the viewer's home down to ``scope`` (one query)."""
    codes = scope.path.split("/")
    rows = session.scalars(sa.select(Center).where(Center.code.in_(codes))).all()
    by_code = {c.code: c for c in rows}
    return [
        _ref(by_code[code])
        for code in codes
        if code in by_code and principal.sees(by_code[code].path)
    ]


def children(session: Session, scope: CenterRef) -> list[CenterRef]:
    rows = session.scalars(
        sa.select(Center).where(Center.parent_id == scope.id).order_by(Center.code)
    ).all()
    return [_ref(c) for c in rows]

