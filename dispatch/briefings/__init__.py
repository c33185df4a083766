"""Briefings: 日小结 (daily summary) and 周研判 / 月 / 季度研判 (periodic assessments).

* :mod:`.model` — the document as data (:class:`Briefing`: sections of tables and charts,
  headline figures, narrative, signature), JSON both ways.
* :mod:`.periods` — a briefing's period in local dates.
* :mod:`.generate` — :func:`generate` builds a briefing of a center's subtree from the cases,
  their events and the camera status intervals (figures as ``dispatch.kpi`` defines them).
* :mod:`.store` — stored briefings: save drafts, sign (immutable JSON afterwards), list and
  read within a scope (a higher center sees its children's signed briefings).
* :mod:`.schedule` — the periodic run that generates every center's briefings.

Renderers (PDF, XLSX, the page) read only :class:`Briefing`; docs/briefings.md describes it.
"""

from __future__ import annotations

from dispatch.briefings.generate import generate
from dispatch.briefings.model import (
    Briefing,
    CenterRef,
    Chart,
    Column,
    Kind,
    Section,
    Signature,
    Status,
    Table,
)
from dispatch.briefings.periods import Period, last_finished, period_of

__all__ = [
    "Briefing",
    "CenterRef",
    "Chart",
    "Column",
    "Kind",
    "Period",
    "Section",
    "Signature",
    "Status",
    "Table",
    "generate",
    "last_finished",
    "period_of",
]
