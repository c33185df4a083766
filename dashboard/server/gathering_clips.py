"""The clip of a gathering: when a camera's gathering has filed a case, the recording around
the moment it was confirmed is cut and kept as the case's evidence.

Cutting waits until the seconds after the moment are recorded, so it runs on a thread of its
own, never on the camera-event worker. A camera without recordings (not recorded, or none in
the interval) leaves the case with the snapshot the report carried.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from dashboard.auth.cameras import camera_center_path
from dispatch.gathering import ACTOR
from dispatch.principal import system_principal

if TYPE_CHECKING:
    from dashboard.recordings.service import RecordingService

log = logging.getLogger("dashboard.server.gathering_clips")
BEFORE_SECONDS = 10.0  # the clip starts this long before the gathering was confirmed
AFTER_SECONDS = 10.0

#: (case id, camera id, the moment as a Unix time)
ClipRequest = Callable[[int, str, float], None]


def gathering_clipper(recording: RecordingService, factory: sessionmaker[Session],
                      before: float = BEFORE_SECONDS, after: float = AFTER_SECONDS) -> ClipRequest:
    def cut_and_keep(case_id: int, camera_id: str, at: float) -> None:
        from streams.record.clip import NoRecording

        try:
            with factory() as session:
                path = camera_center_path(session, camera_id)
            if path is None:
                return
            recording.keep_clip(system_principal(path, ACTOR), case_id, [camera_id], at,
                                before, after)
        except NoRecording:
            log.info("no recording of %s around the gathering of case %s", camera_id, case_id)
        except Exception:
            log.exception("could not keep the gathering clip of %s for case %s", camera_id, case_id)

    def request(case_id: int, camera_id: str, at: float) -> None:
        threading.Thread(target=cut_and_keep, args=(case_id, camera_id, at), daemon=True,
                         name=f"gathering-clip:{camera_id}").start()

    return request
