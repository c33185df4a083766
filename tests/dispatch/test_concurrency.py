"""Two operators act on the same case at the same moment: exactly one wins, nothing is lost."""

from __future__ import annotations

import threading
from typing import Any

from dispatch.cases import perform, replay_matches, timeline
from dispatch.errors import ConflictError
from dispatch.models import Case
from tests.dispatch.factories import LEADER, OPERATOR, T0, Db, new_case


def test_two_operators_racing_on_one_case(db: Db) -> None:
    case = new_case(db)
    both_loaded = threading.Barrier(2, timeout=20)
    results: dict[str, Any] = {}

    def operator(name: str, action: str, payload: dict[str, Any]) -> None:
        who = LEADER if name == "b" else OPERATOR
        try:
            with db.factory.begin() as session:
                # Both read the case (version v) before either writes: a real lost-update setup.
                # Holding the instance keeps it in the session's (weak) identity map.
                loaded = session.get(Case, case.id)
                both_loaded.wait()
                perform(session, who, case.id, action, payload, sla=db.sla, now=T0)
                del loaded
            results[name] = "ok"
        except ConflictError as exc:
            results[name] = exc
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results[name] = repr(exc)

    threads = [
        threading.Thread(target=operator, args=("a", "accept", {"note": "我来受理"}), name="op-a"),
        threading.Thread(
            target=operator, args=("b", "refuse", {"reason": "不予受理"}), name="op-b"
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcomes = sorted(type(r).__name__ if not isinstance(r, str) else r for r in results.values())
    assert outcomes == ["ConflictError", "ok"], results
    loser = next(r for r in results.values() if isinstance(r, ConflictError))
    assert "changed by someone else" in str(loser) and f"case {case.id}" in str(loser)
    with db.begin() as s:
        stored = s.get(Case, case.id)
        assert stored is not None
        events = timeline(s, case.id)
        assert [e.action for e in events][0] == "report" and len(events) == 2
        assert stored.state == {"accept": "accepted", "refuse": "refused"}[events[1].action]
        assert replay_matches(s, stored)


def test_a_stale_expected_version_is_refused_before_anything_changes(db: Db) -> None:
    case = new_case(db)
    with db.begin() as s:
        perform(
            s, OPERATOR, case.id, "accept", {}, sla=db.sla, expected_version=case.version, now=T0
        )
    try:
        with db.begin() as s:
            perform(
                s,
                OPERATOR,
                case.id,
                "refuse",
                {"reason": "x"},
                sla=db.sla,
                expected_version=case.version,
                now=T0,
            )
        raise AssertionError("a stale version must conflict")
    except ConflictError as exc:
        assert f"you saw version {case.version}" in str(exc)
    with db.begin() as s:
        assert s.get(Case, case.id).state == "accepted"  # type: ignore[union-attr]
