"""Intake details of a generated case: who reported it, their mobile and the address."""

from __future__ import annotations

import random
from datetime import date

from dispatch.demo.names import person_name
from dispatch.demo.places import Place
from dispatch.types import Channel

_PERSON_CHANNELS = frozenset(
    {Channel.GRID_WORKER, Channel.HOTLINE_12345, Channel.WALK_IN, Channel.CITIZEN_SNAPSHOT}
)
_MOBILE_PREFIXES = ("130", "133", "135", "136", "138", "139", "150", "151", "158", "159",
                    "177", "180", "182", "187", "188", "189", "199")  # fmt: skip
_ROADS = ("兴安", "和平", "文化", "新华", "人民", "建设", "团结", "东风", "北门", "龙泉")


def intake_details(
    rng: random.Random, chain: dict[int, Place], channel: Channel, actor: str
) -> tuple[str, str | None, str]:
    """Who reported (a person's name where a person called, came or snapped), their
    mobile, and the address: ``砚山县者兴镇那坝村3组27号`` or ``…社区兴安路12号``."""
    names = [chain[lvl].name.removesuffix("综治中心") for lvl in (2, 3, 4)]
    village = names[2].removesuffix("委会")
    if village.endswith("社区"):
        street = f"{rng.choice(_ROADS)}{rng.choice(('路', '街', '巷'))}{rng.randint(1, 188)}号"
    else:
        street = f"{rng.randint(1, 12)}组{rng.randint(1, 90)}号"
    address = f"{names[0]}{names[1]}{village}{street}"
    if channel not in _PERSON_CHANNELS:
        return actor, None, address
    phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return person_name(rng), phone, address


CHANNEL_LABEL = {
    Channel.GRID_WORKER: "网格员",
    Channel.HOTLINE_12345: "12345热线",
    Channel.POLICE_PUSH: "警情推送",
    Channel.CITIZEN_SNAPSHOT: "群众随手拍",
    Channel.WALK_IN: "群众来访",
    Channel.HANDED_DOWN: "上级交办",
    Channel.CAMERA_ALERT: "视频告警",
    Channel.REFERRAL: "线索移送",
}


def reporter_actor(channel: Channel, grid: str, center_code: str) -> str:
    """Who the trail names as reporter: the system or person behind the channel."""
    return {
        Channel.GRID_WORKER: f"gw-{grid}",
        Channel.HOTLINE_12345: "12345",
        Channel.POLICE_PUSH: "110",
        Channel.CITIZEN_SNAPSHOT: "citizen-app",
        Channel.CAMERA_ALERT: "video-ai",
        Channel.REFERRAL: "court-referral",
    }.get(channel, f"op-{center_code}")


def external_id(channel: Channel, local: date, cid: int) -> str | None:
    """The sending system's own number, for the channels that push cases in."""
    prefix = {"hotline_12345": "GD", "police_push": "JQ", "citizen_snapshot": "SSP"}.get(channel)
    return f"{prefix}{local:%Y%m%d}{cid:07d}" if prefix else None
