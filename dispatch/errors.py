"""Errors of the dispatch domain. The API maps each to one HTTP status."""

from __future__ import annotations

from collections.abc import Iterable


class DispatchError(Exception):
    """Base of every domain error; ``str()`` is a message fit for an operator."""

    status = 400


class NotFound(DispatchError):
    status = 404

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key} not found")


class Hidden(NotFound):
    """Answered exactly like :class:`NotFound`, but the thing exists outside the caller's
    scope: the API records the refusal in the access audit. ``center_path`` is the owner's."""

    def __init__(self, what: str, key: object, center_path: str) -> None:
        super().__init__(what, key)
        self.center_path = center_path


class InvalidInput(DispatchError):
    """A field of a request is missing or wrong; ``field`` names it."""

    status = 422

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class Forbidden(DispatchError):
    status = 403


class ActionNotAllowed(DispatchError):
    """The action cannot be taken in the case's current state."""

    status = 409

    def __init__(self, action: str, state: str, allowed: Iterable[str]) -> None:
        self.action = action
        self.state = state
        self.allowed = list(allowed)
        names = ", ".join(self.allowed) or "none"
        super().__init__(
            f"action {action!r} is not allowed in state {state!r}; allowed actions: {names}"
        )


class ConflictError(DispatchError):
    """Someone else changed the case first: reload it and try again."""

    status = 409

    def __init__(self, case_id: int, detail: str = "") -> None:
        self.case_id = case_id
        message = f"case {case_id} was changed by someone else meanwhile; reload it and try again"
        super().__init__(f"{message} ({detail})" if detail else message)


class RuleViolation(DispatchError):
    """The action is allowed in this state but a domain rule forbids it here (e.g. escalating
    from the top-level center, merging a case into itself)."""

    status = 409
