"""Trusted intake: who may report on which channel, and when a report says it happened.

A case's channel says where it came from (the 12345 hotline, the police push, a grid worker's
round …), and the pair (channel, external id) is how a sending system names its report. So a
caller may create cases only on the channels its credentials are granted
(:func:`granted_channels`): an account by its roles (``[intake] role_channels``), an API token
by the channels named when it was made, the product's own tasks on every channel. A grid
worker cannot post ``channel: hotline_12345`` and take over the hotline's order number.

``reported_at`` (:func:`report_time`) is taken only on the channels of systems with their own
clock (``own_clock_channels``); a time ahead of the server by more than the allowed skew is
refused, within it is taken as now; a time older than ``backdate_hours`` needs a stated reason
(``reported_at_reason``), which goes on the trail. Every other report is timed on arrival.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from config.intake import IntakePolicy
from dispatch.errors import Forbidden, InvalidInput
from dispatch.intake import CaseIntake
from dispatch.principal import Principal, Role
from dispatch.types import Channel

ALL_CHANNELS = frozenset(c.value for c in Channel)


def is_token(principal: Principal) -> bool:
    return principal.allowed_actions is not None


def granted_channels(principal: Principal, policy: IntakePolicy) -> frozenset[str]:
    """The channels ``principal`` may report on: a token's named channels (none named: none),
    the product's own tasks (:data:`Role.SYSTEM` without a token) every channel, an account
    the union of its roles' channels."""
    if is_token(principal):
        return frozenset(principal.allowed_sources or ()) & ALL_CHANNELS
    if Role.SYSTEM in principal.roles:
        return ALL_CHANNELS
    out: set[str] = set()
    for role in principal.roles:
        out.update(policy.role_channels.get(role.value, ()))  # type: ignore[call-overload]
    return frozenset(out)


def offered_channels(principal: Principal, policy: IntakePolicy) -> list[str]:
    """:func:`granted_channels` in the order of :class:`Channel` (what a form offers)."""
    granted = granted_channels(principal, policy)
    return [c.value for c in Channel if c.value in granted]


def check_channel(principal: Principal, channel: str, policy: IntakePolicy) -> None:
    """Raise :class:`Forbidden` unless ``principal`` may report on ``channel``, naming the
    channels it may use."""
    granted = granted_channels(principal, policy)
    if channel in granted:
        return
    mine = ", ".join(sorted(granted)) or "none"
    who = "this token" if is_token(principal) else "your roles"
    raise Forbidden(
        f"channel {channel!r} is not granted to {who} (granted channels: {mine}); "
        "a report and its external id belong to the channel that sends it"
    )


def report_time(intake: CaseIntake, now: datetime, policy: IntakePolicy) -> datetime:
    """When the reported matter happened, by the rules above: ``now`` unless the report
    carries ``reported_at`` on a channel with its own clock. Raises :class:`InvalidInput`
    naming ``reported_at`` or ``reported_at_reason``."""
    if intake.reported_at is None:
        if intake.reported_at_reason is not None:
            raise InvalidInput("reported_at_reason", "only with reported_at")
        return now
    channel = intake.channel.value
    if channel not in policy.own_clock_channels:
        own = ", ".join(policy.own_clock_channels) or "none"
        raise InvalidInput(
            "reported_at",
            f"channel {channel!r} reports are timed on arrival; reported_at is taken only "
            f"from channels with their own clock ({own})",
        )
    at = intake.reported_at
    if at > now + timedelta(seconds=policy.clock_skew_seconds):
        raise InvalidInput("reported_at", "lies in the future")
    if at > now:
        return now  # the sender's clock runs a little ahead: never store a future time
    if at < now - timedelta(hours=policy.backdate_hours) and not intake.reported_at_reason:
        raise InvalidInput(
            "reported_at",
            f"older than {policy.backdate_hours:g} hours: state why in reported_at_reason",
        )
    return at


__all__ = [
    "ALL_CHANNELS",
    "check_channel",
    "granted_channels",
    "offered_channels",
    "report_time",
]
