"""Search (搜索): one query finds cases by number (whole or any fragment), title, description,
reporter name or phone, address or grid name, open and finished, among the cases the caller
may see (:func:`dispatch.permissions.can_see`): its subtree, and the cases of the orders it
holds (addressed to its home center, for a desk, or to its department, for a liaison).

Ranking: the case whose number is the query comes first, then every match newest first (by
id, the order cases were registered). Phones come back masked.

How it stays fast (see :mod:`dispatch.desk.search_index` for the index itself):

* Queries of three characters or more use the trigram index (SQLite FTS5 ``trigram``, read in
  descending rowid order so a page stops early, the scope checked on each hit; PostgreSQL
  ``pg_trgm`` GIN, which the planner ANDs with the scope's ``owning_path`` index in small
  scopes). A long number-like query (a whole number) asks the index for its last
  :data:`INDEX_TAIL` characters only, since the start of a number is in every case, and each
  hit is checked against the whole query.
* Two-character queries cannot use trigrams. In a prefecture or county scope they find a whole
  field, or the start or end of one (a two-character name such as 王芳, a title starting with
  the word), through the field separators; in a township or village, any substring (the
  scope's cases are read).
* The cases of held orders are a second stream merged with the subtree's: from three
  characters through the text index restricted to the held cases, below that by reading the
  held cases' texts (a desk holds a few thousand orders a year at most). With ``followed``
  (the desk's search box) the cases the caller follows outside its scope, read-only
  (:func:`dispatch.permissions.follows`), join that stream: those its center sent up (a desk)
  and, for an account without a desk, its own reports.
* One character finds nothing (``too_short``). Control characters are dropped, the query is
  cut to 64 characters, and ``%``, ``_`` and quotes are literal characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dispatch.desk.phone import mask_phone
from dispatch.desk.scope import within
from dispatch.desk.search_index import FTS_TABLE, SEP, normalize_query
from dispatch.desk.tabs import Desk, addressed, escalated_ids, reported_ids
from dispatch.models import Case, Center, DispatchOrder, Grid
from dispatch.principal import Principal
from dispatch.types import TERMINAL_STATES

MIN_QUERY = 2
TRIGRAM = 3
MAX_LIMIT = 100
#: Scopes this deep (township 3, village 4) are small: a two-character query reads their cases
#: (any substring) instead of matching field boundaries.
SCAN_DEPTH = 3
#: A long number-like query asks the text index for its last characters only: the start of a
#: case number (``zz-532626-2026``) is in every case, and reading those trigrams costs more than
#: checking the whole query on the few cases the tail finds.
INDEX_TAIL = 11
_NUMBER_LIKE = re.compile(r"[z0-9-]+")
_FINISHED = frozenset(s.value for s in TERMINAL_STATES)


@dataclass(frozen=True)
class SearchHit:
    case_id: int
    number: str
    title: str
    kind: str
    sub_kind: str | None
    state: str
    risk: str
    finished: bool  # closed, refused or merged
    center_name: str  # the owning center
    grid_name: str | None
    address: str | None
    reporter: str
    reporter_phone_masked: str
    reported_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    exact_number: bool  # the query is this case's number


@dataclass(frozen=True)
class SearchResult:
    query: str  # as matched (normalized)
    items: list[SearchHit]
    limit: int
    offset: int
    has_more: bool
    too_short: bool = False


def search_cases(
    session: Session, principal: Principal, query: str, *, limit: int = 20, offset: int = 0,
    followed: bool = False,
) -> SearchResult:
    """Cases the principal may see (:func:`dispatch.permissions.can_see`: its subtree, and the
    cases of orders addressed to its center or department) matching ``query``; never raises
    on odd input. ``followed``: also the cases it may read outside its scope (what its center
    sent up, its own reports: :func:`dispatch.permissions.follows`)."""
    q = normalize_query(query)
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    if len(q) < MIN_QUERY:
        return SearchResult(q, [], limit, offset, False, too_short=True)
    me = Desk.of(session, principal)
    scope = within(session, Case.owning_path, principal.center_path)
    held = _held(me, principal if followed else None)
    visible = scope if held is None else sa.or_(scope, Case.id.in_(held.scalar_subquery()))
    exact = session.scalar(sa.select(Case.id).where(Case.number == q.upper(), visible))
    lead = [exact] if exact is not None else []
    # The exact case heads the list; the stream of matches fills the rest of the page.
    start = max(0, offset - len(lead))
    want = offset + limit + 1 - len(lead) - start
    stream: list[int] = []
    if want > 0:
        if held is None:
            stream = _matches(session, principal, q, exact, start, want)
        else:
            # The first start + want of the union are among the first start + want of each.
            mine = _matches(session, principal, q, exact, 0, start + want)
            theirs = _held_matches(session, held, q, exact, start + want)
            stream = sorted(set(mine) | set(theirs), reverse=True)[start : start + want]
    ids = (lead[offset:] + stream) if offset < len(lead) else stream
    has_more = len(ids) > limit
    return SearchResult(q, _hits(session, ids[:limit], exact), limit, offset, has_more)


def _held(me: Desk, follower: Principal | None = None) -> sa.Select | sa.CompoundSelect | None:
    """The ids of the cases of the orders the principal holds (addressed to its center's desk
    or its department), and with ``follower`` those it follows (sent up by its center's desk;
    its own reports when it has no desk); None when there are none to have."""
    parts: list[sa.Select] = []
    if me.department_id is not None or (me.desk and me.center_id is not None):
        parts.append(sa.select(DispatchOrder.case_id).where(addressed(me, DispatchOrder)))
    if follower is not None and follower.allowed_actions is None:  # not an API token
        if me.desk and me.center_id is not None:
            parts.append(escalated_ids(me))
        elif not me.desk:  # a desk's own reports stay at its center, or went up from it
            parts.append(reported_ids(follower.actor))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sa.union(*parts)


def _held_matches(
    session: Session, held: sa.Select | sa.CompoundSelect, q: str, exclude: int | None, limit: int
) -> list[int]:
    """Cases of the principal's orders whose text holds ``q`` anywhere, newest first: through
    the text index from three characters, by reading the held cases' texts below that."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    held_ids = held.scalar_subquery()
    if len(q) >= TRIGRAM and sqlite:
        fts = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer))
        query = (
            sa.select(fts.c.rowid)
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(_phrase(_index_part(q))))
            # ``+ 0``: the held ids are checked on each hit, not handed to FTS5 as rowids
            # (where each would run the whole MATCH again).
            .where((fts.c.rowid + 0).in_(held_ids))
        )
        if exclude is not None:
            query = query.where(fts.c.rowid != exclude)
        if _index_part(q) != q:
            query = query.join(Case, Case.id == fts.c.rowid).where(
                sa.func.instr(Case.search_text, q) > 0
            )
        return list(session.scalars(query.order_by(fts.c.rowid.desc()).limit(limit)))
    others = Case.id != exclude if exclude is not None else sa.true()
    if len(q) >= TRIGRAM:
        query = sa.select(Case.id).where(Case.id.in_(held_ids), _like(q), others)
        return list(session.scalars(query.order_by(Case.id.desc()).limit(limit)))
    # Two characters: the held cases are read first, whole (materialized: a plan that walks
    # every case newest first, looking each up among the held, would check a million texts).
    cases = (
        sa.select(Case.id, Case.search_text)
        .where(Case.id.in_(held_ids))
        .cte("held")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    found = (
        sa.func.instr(cases.c.search_text, q) if sqlite else sa.func.strpos(cases.c.search_text, q)
    )
    others = cases.c.id != exclude if exclude is not None else sa.true()
    rows = session.scalars(
        sa.select(cases.c.id).where(found > 0, others).order_by(cases.c.id.desc()).limit(limit)
    )
    return list(rows)


def _like(q: str) -> sa.ColumnElement[bool]:
    """``q`` anywhere in the text, as the trigram index serves it (PostgreSQL)."""
    part = _index_part(q)
    match = Case.search_text.like(f"%{_escape(part)}%", escape="\\")
    if part == q:
        return match
    # strpos is not indexable: the index reads the tail, each hit is checked whole.
    return sa.and_(match, sa.func.strpos(Case.search_text, q) > 0)


def _index_part(q: str) -> str:
    """What the text index is asked for: the query, or the tail of a long number-like one."""
    if len(q) > INDEX_TAIL and _NUMBER_LIKE.fullmatch(q):
        return q[-INDEX_TAIL:]
    return q


def _matches(
    session: Session, principal: Principal, q: str, exclude: int | None, offset: int, limit: int
) -> list[int]:
    path = principal.center_path
    small = path.count("/") + 1 >= SCAN_DEPTH
    scope = within(session, Case.owning_path, path)
    others = Case.id != exclude if exclude is not None else sa.true()
    if session.get_bind().dialect.name == "sqlite":
        if small and len(q) < TRIGRAM:
            text_match = sa.func.instr(Case.search_text, q) > 0
        else:
            return _fts(session, path, q, exclude, offset, limit)
    elif small or len(q) >= TRIGRAM:
        text_match = _like(q)
    else:
        text_match = sa.or_(
            Case.search_text.like(f"%{SEP}{_escape(q)}%", escape="\\"),
            Case.search_text.like(f"%{_escape(q)}{SEP}%", escape="\\"),
        )
    rows = session.scalars(
        sa.select(Case.id)
        .where(scope, text_match, others)
        .order_by(Case.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


def _fts(
    session: Session, path: str, q: str, exclude: int | None, offset: int, limit: int
) -> list[int]:
    whole = ""
    if len(q) >= TRIGRAM:
        match = _phrase(_index_part(q))
        if _index_part(q) != q:
            whole = "AND instr(c.search_text, :q) > 0 "
    else:
        match = f"{_phrase(SEP + q)} OR {_phrase(q + SEP)}"
    # CROSS JOIN keeps the text index as the outer loop, read newest first, so the page ends
    # as soon as it is full; the scope is checked on each hit.
    sql = sa.text(
        f"SELECT c.id FROM {FTS_TABLE} f CROSS JOIN cases c ON c.id = f.rowid "
        f"WHERE {FTS_TABLE} MATCH :match "
        "AND (c.owning_path = :path OR (c.owning_path > :lo AND c.owning_path < :hi)) "
        "AND c.id != :exclude "
        f"{whole}"
        "ORDER BY f.rowid DESC LIMIT :limit OFFSET :offset"
    )
    params = {
        "match": match, "q": q, "path": path, "lo": path + "/", "hi": path + "0",
        "exclude": exclude if exclude is not None else -1, "limit": limit, "offset": offset,
    }  # fmt: skip
    return list(session.scalars(sql, params))


def _phrase(text: str) -> str:
    """An FTS5 string: the text as one phrase, double quotes doubled (no operators inside)."""
    return '"' + text.replace('"', '""') + '"'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _hits(session: Session, ids: list[int], exact: int | None) -> list[SearchHit]:
    if not ids:
        return []
    rows = session.execute(
        sa.select(
            Case.id, Case.number, Case.title, Case.kind, Case.sub_kind, Case.state, Case.risk,
            Center.name.label("center_name"), Grid.name.label("grid_name"), Case.address,
            Case.reporter, Case.reporter_phone, Case.reported_at, Case.due_at, Case.closed_at,
        )
        .join(Center, Center.id == Case.center_id)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .where(Case.id.in_(ids))
    ).all()  # fmt: skip
    by_id = {r.id: r for r in rows}
    return [
        SearchHit(
            case_id=r.id, number=r.number or "", title=r.title, kind=r.kind,
            sub_kind=r.sub_kind, state=r.state, risk=r.risk, finished=r.state in _FINISHED,
            center_name=r.center_name, grid_name=r.grid_name, address=r.address,
            reporter=r.reporter, reporter_phone_masked=mask_phone(r.reporter_phone),
            reported_at=r.reported_at, due_at=r.due_at, closed_at=r.closed_at,
            exact_number=r.id == exact,
        )
        for i in ids
        for r in [by_id.get(i)]
        if r is not None
    ]  # fmt: skip
