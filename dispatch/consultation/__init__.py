"""Video-linked dispatch sessions (视频会商): a case, its cameras and people in one live room.

Public entry points: :func:`dispatch.consultation.routes.consultation_routes` (HTTP),
:mod:`dispatch.consultation.services` and :mod:`dispatch.consultation.record` (in-process).
Importing the package registers the session audit actions with the case replay.
"""

from __future__ import annotations

from dispatch.consultation import audit as _audit  # noqa: F401  (registers audit actions)
from dispatch.consultation import models as _models  # noqa: F401  (registers the tables)
