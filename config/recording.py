"""Recording in the deployment description: where segments go, how long they stay, and which
cameras record always, on events, or never.

::

    [recording]
    default_mode = "events"          # off | continuous | events
    retention_days = 30
    segment_seconds = 60
    pre_event_seconds = 10           # kept in memory for every recording camera
    post_event_seconds = 30
    [[recording.storage]]
    path = "/srv/zongzhi/video"
    quota_gb = 500
    [recording.cameras]
    cam-gate = "continuous"
    [[recording.groups]]
    name = "重点部位"
    mode = "continuous"
    cameras = ["cam-1", "cam-2"]

A camera's own entry wins over its group's, a group's over ``default_mode``; in several groups
the strongest mode wins (continuous > events > off). :func:`verify_recording` checks the camera
ids and storage entries against the rest of the deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.errors import ConfigError
from config.streams import StrictModel

RecordingMode = Literal["off", "continuous", "events"]
MODE_STRENGTH: dict[str, int] = {"off": 0, "events": 1, "continuous": 2}
#: What starts an event recording of a camera (``recording.triggers``).
Trigger = Literal["alerts", "motion", "cases"]


class StoragePath(StrictModel):
    path: Path = Field(title="Folder the segments and clips are written to")
    quota_gb: float = Field(gt=0, title="Disk space this folder may use, in GB (10⁹ bytes)")
    cameras: list[str] | None = Field(
        None, title="Cameras recorded here; absent: every camera no other folder names"
    )

    @field_validator("path")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError(f"storage path must be absolute, got {value}")
        return value

    @property
    def quota_bytes(self) -> int:
        return int(self.quota_gb * 1e9)


class RecordingGroup(StrictModel):
    name: str = Field(min_length=1, max_length=64, title="Group name (录像分组)")
    mode: RecordingMode = Field(title="off, continuous or events")
    cameras: list[str] = Field(min_length=1, title="Camera ids of the group")


class RecordingPolicy(StrictModel):
    default_mode: RecordingMode = Field("off", title="Mode of cameras named nowhere else")
    retention_days: float = Field(30, gt=0, le=3650, title="Delete segments older than this")
    segment_seconds: float = Field(
        60, ge=2, le=3600, title="Cut a new segment file at the first keyframe after this long"
    )
    pre_event_seconds: float = Field(
        10, ge=0, le=120, title="Seconds kept in memory before an event (from a keyframe)"
    )
    post_event_seconds: float = Field(
        30, ge=1, le=3600, title="Seconds an event recording goes on after the last event"
    )
    triggers: list[Trigger] = Field(
        default_factory=lambda: ["alerts", "motion", "cases"],
        title="What starts an event recording: alerts, motion, a case's cameras while open",
    )
    storage: list[StoragePath] = Field(default_factory=list, title="Storage folders with quotas")
    cameras: dict[str, RecordingMode] = Field(default_factory=dict, title="Mode per camera id")
    groups: list[RecordingGroup] = Field(default_factory=list, title="Modes per group of cameras")

    @model_validator(mode="after")
    def _storage_when_recording(self) -> RecordingPolicy:
        records = (
            self.default_mode != "off"
            or any(m != "off" for m in self.cameras.values())
            or any(g.mode != "off" for g in self.groups)
        )
        if records and not self.storage:
            raise ValueError("recording is on for some cameras but no [[recording.storage]] is given")
        return self

    def mode_of(self, camera_id: str) -> RecordingMode:
        """The camera's mode: its own entry, else its groups' strongest, else the default."""
        if camera_id in self.cameras:
            return self.cameras[camera_id]
        modes = [g.mode for g in self.groups if camera_id in g.cameras]
        if modes:
            return max(modes, key=MODE_STRENGTH.__getitem__)
        return self.default_mode

    def storage_of(self, camera_id: str) -> StoragePath | None:
        """The folder a camera records to: the one naming it, else the first naming none."""
        for entry in self.storage:
            if entry.cameras is not None and camera_id in entry.cameras:
                return entry
        return next((e for e in self.storage if e.cameras is None), None)


def verify_recording(policy: RecordingPolicy, camera_ids: set[str], path: Path | str | None) -> None:
    """Camera ids name configured cameras; storage folders are distinct and every recording
    camera has one."""
    for cam in policy.cameras:
        if cam not in camera_ids:
            raise ConfigError(path, f"unknown camera {cam}", entry="recording.cameras", field=cam)
    for index, group in enumerate(policy.groups):
        for cam in group.cameras:
            if cam not in camera_ids:
                raise ConfigError(path, f"unknown camera {cam}",
                                  entry=f"recording.groups[{index}] ({group.name})", field="cameras")
    seen: dict[Path, int] = {}
    for index, entry in enumerate(policy.storage):
        label = f"recording.storage[{index}] ({entry.path})"
        if entry.path in seen:
            raise ConfigError(path, f"the same folder as recording.storage[{seen[entry.path]}]",
                              entry=label, field="path")
        seen[entry.path] = index
        for cam in entry.cameras or ():
            if cam not in camera_ids:
                raise ConfigError(path, f"unknown camera {cam}", entry=label, field="cameras")
    for cam in sorted(camera_ids):
        if policy.mode_of(cam) != "off" and policy.storage_of(cam) is None:
            raise ConfigError(path, f"camera {cam} records but no storage folder takes it "
                              "(add one without a cameras list)", entry="recording.storage")
