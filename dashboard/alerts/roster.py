"""The duty roster tab (值班表): who is on duty at the scope's center, edited by clicking cells
(the center's duty officers and leaders, or those of a center above it), and the policy."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboard.i18n import L, t
from dashboard.server.services import services
from dashboard.shared.text import md
from dispatch.accounts.models import User
from dispatch.duty.roster import DUTY_ROLES, ShiftInput, may_edit, on_duty, save_roster, shifts
from dispatch.errors import DispatchError
from dispatch.localtime import TZ
from dispatch.models import Center
from dispatch.principal import Principal
from dispatch.scopes import CenterRef

DAYS = 7
COLUMNS = ("username", "role", "starts", "ends")


def window() -> tuple[datetime, datetime]:
    """Today 00:00 local time to seven days later."""
    start = datetime.combine(datetime.now(TZ).date(), time(0), tzinfo=TZ)
    return start, start + timedelta(days=DAYS)


def local_naive(ts: datetime) -> datetime:
    return ts.astimezone(TZ).replace(tzinfo=None)


def accounts_at(session: sa.orm.Session, center: CenterRef) -> dict[str, str]:
    rows = session.execute(
        sa.select(User.username, User.display_name)
        .join(Center, Center.id == User.center_id)
        .where(Center.path == center.path, User.disabled.is_(False))
        .order_by(User.username)
    ).all()
    return {u: f"{n}（{u}）" if n else u for u, n in rows}


def rows_of(frame: pd.DataFrame) -> list[ShiftInput]:
    rows: list[ShiftInput] = []
    for record in frame.to_dict("records"):
        username, role = _text(record.get("username")), _text(record.get("role"))
        if not username and pd.isna(record.get("starts")):
            continue  # an empty row the editor added
        starts, ends = record.get("starts"), record.get("ends")
        rows.append(ShiftInput(
            username=username,
            role=role or "duty_officer",
            starts_at=_aware(starts), ends_at=_aware(ends),
        ))
    return rows


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _aware(value: Any) -> datetime:
    if value is None or pd.isna(value):
        return datetime.min.replace(tzinfo=UTC)  # refused by the service as before the start
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=TZ)


def roster_tab(viewer: Principal, center: CenterRef) -> None:
    start, end = window()
    policy = services().settings.duty
    with services().session_factory() as session:
        # Shifts starting in the window: the ones a save replaces (one running since
        # yesterday shows in the "on duty now" line).
        current = [s for s in shifts(session, center.path, start, end) if s.starts_at >= start]
        now_on = on_duty(session, center.path, datetime.now(UTC))
        people = accounts_at(session, center)
    st.markdown(f"**{t('roster.title', center=md(center.name))}**")
    if now_on:
        st.text(t("roster.now", people=", ".join(people.get(p, p) for p in now_on)))
    else:
        st.warning(t("roster.now_none"))
    st.caption(t("roster.policy", renotify=f"{policy.renotify_minutes:g}",
                 escalate=f"{policy.escalate_minutes:g}", reopen=f"{policy.reopen_minutes:g}"))
    editable = may_edit(viewer, center.path)
    frame = pd.DataFrame(
        [{"username": s.username, "role": s.role, "starts": local_naive(s.starts_at),
          "ends": local_naive(s.ends_at)} for s in current],
        columns=list(COLUMNS),
    ).astype({"starts": "datetime64[ns]", "ends": "datetime64[ns]"})
    options = list(dict.fromkeys([*people, *(s.username for s in current)]))
    edited = st.data_editor(
        frame, key=f"roster_{center.path}", hide_index=True, disabled=not editable,
        num_rows="dynamic" if editable else "fixed", width="stretch",
        column_config={
            "username": st.column_config.SelectboxColumn(
                t("roster.person"), options=options, required=True,
                format_func=lambda u: people.get(u, u)),
            "role": st.column_config.SelectboxColumn(
                t("roster.role"), options=list(DUTY_ROLES), default="duty_officer", required=True,
                format_func=lambda r: L("duty_role", r)),
            "starts": st.column_config.DatetimeColumn(t("roster.starts"), format="YYYY-MM-DD HH:mm", step=timedelta(minutes=30)),
            "ends": st.column_config.DatetimeColumn(t("roster.ends"), format="YYYY-MM-DD HH:mm", step=timedelta(minutes=30)),
        },
    )
    if not editable:
        st.caption(t("roster.read_only"))
        return
    st.caption(t("roster.window"))
    if st.button(t("roster.save"), key="roster_save", type="primary"):
        try:
            with services().session_factory.begin() as session:
                saved = save_roster(session, viewer, center.path, start, end, rows_of(edited))
        except DispatchError as exc:
            st.error(t("misc.error", error=md(str(exc))))
            return
        st.success(t("roster.saved", n=len(saved)))
