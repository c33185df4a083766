"""Gathering (聚集) detection of a camera in the deployment description.

People are counted on the camera's sub-stream in polygon zones; ``min_people`` or more in a
zone for ``hold_seconds`` raise one gathering alert::

    [cameras.gathering]
    fps = 1.0
    hours = ["07:00-23:00"]          # local time; empty: always
    [[cameras.gathering.zones]]
    name = "广场"
    points = [[0.1, 0.4], [0.9, 0.4], [0.9, 1.0], [0.1, 1.0]]   # fractions of width, height
    min_people = 5
    hold_seconds = 30
"""

from __future__ import annotations

import re
from datetime import time

from pydantic import Field, field_validator, model_validator

from config.streams import StrictModel

_WINDOW = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


class GatheringZone(StrictModel):
    name: str = Field(min_length=1, max_length=64, title="Zone name shown in alerts")
    points: list[tuple[float, float]] = Field(
        min_length=3, max_length=32,
        title="Polygon corners as [x, y], fractions of the picture's width and height",
    )
    min_people: int = Field(5, ge=2, le=500, title="People in the zone that make a gathering")
    hold_seconds: float = Field(
        30.0, ge=0, le=3600, title="Seconds the count must last: a passer-by is no gathering"
    )

    @field_validator("points")
    @classmethod
    def _inside(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for index, (x, y) in enumerate(points):
            if not (0 <= x <= 1 and 0 <= y <= 1):
                raise ValueError(f"point {index} [{x}, {y}] is outside the picture (0–1)")
        area = 0.5 * abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                             in zip(points, points[1:] + points[:1], strict=True)))
        if area < 1e-4:
            raise ValueError("the zone's polygon has no area")
        return points


def parse_window(text: str) -> tuple[time, time]:
    """``"07:00-23:00"`` → (07:00, 23:00); a window may cross midnight (``"22:00-06:00"``)."""
    m = _WINDOW.match(text)
    if m is None:
        raise ValueError(f"hours entry {text!r} is not HH:MM-HH:MM")
    h0, m0, h1, m1 = (int(g) for g in m.groups())
    if h1 == 24 and m1:
        raise ValueError(f"hours entry {text!r} ends after 24:00")
    end = time(23, 59, 59) if h1 == 24 else time(h1, m1)
    return time(h0, m0), end


def in_windows(windows: list[tuple[time, time]], now: time) -> bool:
    """Whether ``now`` lies in one of ``windows`` (no windows: always)."""
    if not windows:
        return True
    for start, end in windows:
        if start <= end and start <= now <= end:
            return True
        if start > end and (now >= start or now <= end):
            return True
    return False


class GatheringConfig(StrictModel):
    zones: list[GatheringZone] = Field(min_length=1, max_length=16, title="Counting zones")
    fps: float = Field(1.0, gt=0, le=5, title="Pictures analysed per second (1–2 suffice)")
    hours: list[str] = Field(default_factory=list, title="Local HH:MM-HH:MM windows; empty: always")
    repeat_seconds: float = Field(
        600.0, ge=10, le=86_400,
        title="A zone that emptied raises again only after this many seconds",
    )
    detect_width: int = Field(
        768, ge=320, le=1920, title="Width the picture is scaled to for the people detector",
        description="HOG sees people about 100 px tall or more; a D1 sub-stream needs no scaling",
    )
    file_case: bool = Field(True, title="File a 聚集活动 case when the alert is raised")

    @field_validator("hours")
    @classmethod
    def _hours(cls, hours: list[str]) -> list[str]:
        for entry in hours:
            parse_window(entry)
        return hours

    @model_validator(mode="after")
    def _unique_zones(self) -> GatheringConfig:
        names = [z.name for z in self.zones]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"zone name {name!r} is used twice")
        return self

    def windows(self) -> list[tuple[time, time]]:
        return [parse_window(entry) for entry in self.hours]
