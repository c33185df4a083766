"""The intake policy (受理渠道): who may report on which channel, and whose clock a report's time
may come from.

Settings section ``[intake]`` (``ZONGZHI_INTAKE__BACKDATE_HOURS=…``). Accounts are granted
channels by their roles (``role_channels``; an entry given in the file replaces that role's
default, the other roles keep theirs); API tokens by the channels named when they are made
(``zongzhi token create … --channel hotline_12345``). A report's ``reported_at`` is taken only
on the channels of systems with their own clock (``own_clock_channels``); every other report is
timed when it arrives.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from config.streams import StrictModel

#: The intake channels (the values of ``dispatch.types.Channel``; a test keeps them equal).
ChannelName = Literal[
    "grid_worker", "hotline_12345", "police_push", "citizen_snapshot", "walk_in", "handed_down",
    "camera_alert", "referral",
]  # fmt: skip
#: Roles of people (accounts); internal tasks of the product itself report on every channel.
RoleName = Literal["operator", "duty_officer", "leader", "liaison", "grid_worker", "admin"]

_DESK: list[ChannelName] = ["walk_in", "handed_down", "referral"]
DEFAULT_ROLE_CHANNELS: dict[RoleName, list[ChannelName]] = {
    # 网格员: what it finds on its rounds, and the citizens' 随手拍 it relays.
    "grid_worker": ["grid_worker", "citizen_snapshot"],
    # Desks: visitors at the counter, matters handed down from above, referrals by letter.
    "operator": _DESK,
    "duty_officer": _DESK,
    "leader": _DESK,
    "admin": _DESK,
    "liaison": [],
}


class IntakePolicy(StrictModel):
    role_channels: dict[RoleName, list[ChannelName]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_ROLE_CHANNELS.items()},
        title="Channels each role may report on (a role left out keeps its default)",
    )
    own_clock_channels: list[ChannelName] = Field(
        default_factory=lambda: ["hotline_12345", "police_push", "camera_alert", "citizen_snapshot"],
        title="Channels whose reports may carry their own reported_at (systems with a clock)",
    )
    backdate_hours: float = Field(
        72, gt=0, le=24 * 366,
        title="A reported_at older than this needs a stated reason (reported_at_reason)",
    )
    clock_skew_seconds: float = Field(
        120, ge=0, le=3600,
        title="A reported_at this far ahead of the server's clock is taken as now; later is refused",
    )

    @field_validator("role_channels", mode="after")
    @classmethod
    def _keep_defaults(cls, value: dict[RoleName, list[ChannelName]]) -> dict[RoleName, list[ChannelName]]:
        return {**{k: list(v) for k, v in DEFAULT_ROLE_CHANNELS.items()}, **value}


__all__ = ["DEFAULT_ROLE_CHANNELS", "ChannelName", "IntakePolicy", "RoleName"]
