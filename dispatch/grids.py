"""Grids (网格) and 十联户 units as places of cases: found by code within a principal's scope.

A grid lies below a village center; a unit in a grid. A principal may name a grid or unit of
its own subtree (the center holding the grid is the one that counts); an unknown code and one
outside the subtree are both "not found" (:class:`Hidden` records the refusal), as for centers.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.errors import Hidden, InvalidInput, NotFound
from dispatch.models import Center, Grid, Unit
from dispatch.principal import Principal


@dataclass(frozen=True)
class Place:
    """A grid, and optionally one of its units, with the path of the center holding the grid."""

    grid_id: int
    grid_code: str
    grid_name: str
    center_path: str
    unit_id: int | None = None
    unit_code: str | None = None


def find_place(
    session: Session, principal: Principal, grid: str | None, unit: str | None
) -> Place | None:
    """The place named by a grid code, a unit code or both (None when neither is given).
    Raises :class:`NotFound` / :class:`Hidden` (404) naming ``grid`` or ``unit``, and
    :class:`InvalidInput` when the unit is not in the grid."""
    if not grid and not unit:
        return None
    unit_row: Unit | None = None
    if unit:
        unit_row = session.scalar(sa.select(Unit).where(Unit.code == unit))
        if unit_row is None:
            raise NotFound("unit", unit)
    which = Grid.code == grid if grid else Grid.id == unit_row.grid_id  # type: ignore[union-attr]
    row = session.execute(
        sa.select(Grid, Center.path).join(Center, Center.id == Grid.center_id).where(which)
    ).first()
    if row is None:
        raise NotFound("grid", grid)
    found, path = row
    if not principal.sees(path):
        raise Hidden("grid" if grid else "unit", grid or unit, path)
    if unit_row is not None and unit_row.grid_id != found.id:
        raise InvalidInput("unit", f"unit {unit} is not in grid {grid}")
    return Place(
        found.id, found.code, found.name, path,
        unit_row.id if unit_row else None, unit_row.code if unit_row else None,
    )


__all__ = ["Place", "find_place"]
