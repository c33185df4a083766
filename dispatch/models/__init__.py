"""The dispatch schema: the center tree, grids, departments, cameras, cases and their trail.

Every center carries a materialized ``path`` of 行政区划 codes from the root
(``532600/532622/532622101/532622101201``), and every case a denormalized copy of its owning
center's path (``owning_path``), so "this center and everything below it" is one indexed
prefix query (``owning_path = :p OR owning_path LIKE :p || '/%'``).

Enumerated columns hold the string values of :mod:`dispatch.types`.

One module per part of the schema: :mod:`~dispatch.models.registry` (the center tree),
:mod:`~dispatch.models.cases` (cases, orders, trail, photos) and :mod:`~dispatch.models.alerts`.
Importing the package registers every table on the one ``Base.metadata``; names are
imported from here (``from dispatch.models import Case``).
"""

from __future__ import annotations

from dispatch.models.alerts import Alert, AlertStep, DutyShift
from dispatch.models.briefings import BriefingRecord, CameraStatusInterval
from dispatch.models.cases import (
    SEARCHED_FIELDS,
    Attachment,
    Case,
    CaseEscalation,
    CaseEvent,
    DispatchOrder,
    case_search_text,
)
from dispatch.models.columns import JsonDict, UtcDateTime
from dispatch.models.recordings import RecordingClip, RecordingSegment
from dispatch.models.registry import Camera, Center, Department, Grid, Person, Unit
from dispatch.models.tours import CameraGroup, CameraGroupMember
from dispatch.models.workers import CameraLease, StreamWorker

__all__ = [
    "SEARCHED_FIELDS",
    "Alert",
    "AlertStep",
    "Attachment",
    "BriefingRecord",
    "Camera",
    "CameraGroup",
    "CameraGroupMember",
    "CameraLease",
    "CameraStatusInterval",
    "Case",
    "CaseEscalation",
    "CaseEvent",
    "Center",
    "Department",
    "DispatchOrder",
    "DutyShift",
    "Grid",
    "JsonDict",
    "Person",
    "RecordingClip",
    "RecordingSegment",
    "StreamWorker",
    "Unit",
    "UtcDateTime",
    "case_search_text",
]
