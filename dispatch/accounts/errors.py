"""Errors of the accounts services. Messages are bilingual and never contain a secret."""

from __future__ import annotations

from dispatch.errors import DispatchError


class AccountError(DispatchError):
    """A request about accounts or tokens could not be carried out (bad name, unknown role…)."""

    status = 422


class AccountNotFound(AccountError):
    status = 404
