"""The operator's desk, data side: the inbox (待办), search, the archive and intake details.

Every public function takes the caller's :class:`~dispatch.principal.Principal`, sees only
what that principal may see, and returns plain dataclasses (no ORM object leaves the session).
Modules: :mod:`dispatch.desk.inbox`, :mod:`dispatch.desk.search`, :mod:`dispatch.desk.archive`,
:mod:`dispatch.desk.intake`; vocabulary in :mod:`dispatch.desk.vocabulary`, phone numbers in
:mod:`dispatch.desk.phone`, the search text and its index in :mod:`dispatch.desk.search_index`.

This package's ``__init__`` imports nothing: :mod:`dispatch.models` uses the search text
helpers, and the service modules use the models.
"""
