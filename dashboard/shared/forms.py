"""Forms for workflow actions, derived from the declaration in :mod:`dispatch.workflow`.

Each action's form has exactly the fields its :class:`~dispatch.workflow.Transition` lists
(required first, then optional), each drawn by the widget :data:`WIDGETS` declares for that
field name. Nothing here knows which action needs what: a new action in the workflow gets
its form for free, and a field nobody declared a widget for fails loudly in the tests.
Empty inputs are left out of the payload, so a missing required field is refused by the
workflow itself; :mod:`dashboard.shared.refusals` words that refusal for people.

Dispatch targets come in two lists, departments and lower centers, each its own select;
choosing in both makes an ambiguous target the workflow refuses. Orders are offered only
where the action accepts them (its order states, the lead order when it says so). The merge
target is typed as a case number and looked up by the page before the workflow sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import streamlit as st

from dashboard.i18n import current_lang, label, t
from dispatch.casefile import DispatchTargets
from dispatch.localtime import TZ
from dispatch.types import Complexity, Risk, Satisfaction
from dispatch.workflow import BY_ACTION, Transition


@dataclass(frozen=True)
class OrderChoice:
    """An order the viewer holds, as a form offers it (the id never shows)."""

    id: int
    text: str  # "主办 · 文山市公安局 · 待签收"
    state: str
    role: str


@dataclass(frozen=True)
class Choices:
    """What select-like fields of one case offer: dispatch targets and the viewer's orders."""

    targets: DispatchTargets = field(default_factory=DispatchTargets)
    orders: list[OrderChoice] = field(default_factory=list)
    #: Orders of the case whose return (退单) awaits the owning center's decision.
    returns: list[OrderChoice] = field(default_factory=list)

    def for_action(self, action: str) -> Choices:
        """The orders ``action`` may be taken on (its order states; the lead or assist order
        if it says; for a decision on a return, the orders whose return awaits it)."""
        t = BY_ACTION[action]
        if t.arbitrates:
            return Choices(self.targets, [o for o in self.returns if o.state in t.arbitrates])
        if not t.on_order:
            return self
        fit = [o for o in self.orders if o.state in t.order_states and t.fits_role(o.role)]
        return Choices(self.targets, fit)


Widget = Callable[[str, str, Choices, str], Any]


def _text_area(name: str, caption: str, choices: Choices, key: str) -> Any:
    return st.text_area(caption, key=key, height=80).strip() or None


def _text(name: str, caption: str, choices: Choices, key: str) -> Any:
    return st.text_input(caption, key=key, max_chars=50).strip() or None


def _enum(group: str, values: list[str]) -> Widget:
    def widget(name: str, caption: str, choices: Choices, key: str) -> Any:
        lang = current_lang()
        return st.selectbox(caption, values, index=None, key=key,
                            format_func=lambda v: label(group, v, lang),
                            placeholder="—")

    return widget


def _number(low: int, high: int) -> Widget:
    def widget(name: str, caption: str, choices: Choices, key: str) -> Any:
        value = st.number_input(caption, min_value=low, max_value=high, value=None, step=1, key=key)
        return int(value) if value is not None else None

    return widget


def _pick(caption: str, options: list[tuple[str, str]], key: str) -> str | None:
    names = dict(options)
    return st.selectbox(caption, list(names), index=None, key=key, format_func=names.__getitem__,
                        placeholder="—", disabled=not options)


def _part(caption: str, part: str) -> str:
    """"主办单位 *" and "部门" → "主办单位（部门）*"."""
    base, star = caption.removesuffix(" *"), " *" if caption.endswith(" *") else ""
    return t("form.part", whole=base, part=t(part)) + star


def _target(name: str, caption: str, choices: Choices, key: str) -> Any:
    left, right = st.columns(2)
    with left:
        dept = _pick(_part(caption, "field.department"), choices.targets.departments, f"{key}_department")
    with right:
        center = _pick(_part(caption, "field.target_center"), choices.targets.centers, f"{key}_center")
    picked = ({"department": dept} if dept else {}) | ({"center": center} if center else {})
    return picked or None


def _targets(name: str, caption: str, choices: Choices, key: str) -> Any:
    left, right = st.columns(2)
    out = []
    for column, kind, options, sub in ((left, "department", choices.targets.departments, "field.department"),
                                       (right, "center", choices.targets.centers, "field.target_center")):
        names = dict(options)
        with column:
            picked = st.multiselect(_part(caption, sub), list(names), key=f"{key}_{kind}",
                                    format_func=names.__getitem__, placeholder="—", disabled=not options)
        out += [{kind: code} for code in picked]
    return out or None


def _order(name: str, caption: str, choices: Choices, key: str) -> Any:
    texts = {o.id: o.text for o in choices.orders}
    return st.selectbox(caption, list(texts), index=0 if len(texts) == 1 else None, key=key,
                        format_func=texts.__getitem__, placeholder="—")


def _photos(name: str, caption: str, choices: Choices, key: str) -> Any:
    """Photos as ``(filename, declared type, bytes)``; the desk stores them as the case's
    attachments (checked like the API's uploads) before the workflow sees their ids."""
    files = st.file_uploader(caption, type=["jpg", "jpeg", "png", "webp"], accept_multiple_files=True,
                             key=key)
    return [(f.name, f.type or "", f.getvalue()) for f in files or []] or None


def _day(name: str, caption: str, choices: Choices, key: str) -> Any:
    """A local calendar day, today at the earliest (the workflow refuses a past one)."""
    today = datetime.now(TZ).date()
    picked = st.date_input(caption, value=None, min_value=today, key=key, format="YYYY-MM-DD")
    return picked.isoformat() if picked else None


def _case_number(name: str, caption: str, choices: Choices, key: str) -> Any:
    return st.text_input(caption, key=key, max_chars=40, placeholder="ZZ-").strip() or None


#: Field name (as the workflow declares it) → (caption key, widget).
WIDGETS: dict[str, tuple[str, Widget]] = {
    "reason": ("field.reason", _text_area),
    "note": ("field.note", _text_area),
    "message": ("case.message", _text_area),
    "result": ("field.result", _text_area),
    "feedback": ("field.feedback", _text_area),
    "photos": ("field.photos", _photos),
    "plan": ("field.plan", _text_area),
    "leader": ("field.leader", _text),
    "risk": ("field.risk", _enum("risk", [r.value for r in Risk])),
    "complexity": ("field.complexity", _enum("complexity", [c.value for c in Complexity])),
    "satisfaction": ("field.satisfaction", _enum("satisfaction", [s.value for s in Satisfaction])),
    "order_id": ("case.order", _order),
    "into": ("field.other_case", _case_number),
    "days": ("field.days", _number(1, 120)),
    "review_on": ("field.review_on", _day),
    "deadline": ("field.deadline", _day),
    "lead": ("field.lead", _target),
    "assists": ("field.assists", _targets),
}


def fields_of(action: str) -> list[tuple[str, bool]]:
    """(field name, required) of ``action``, required first, as the workflow declares them."""
    transition: Transition = BY_ACTION[action]
    return [(f, True) for f in transition.required] + [(f, False) for f in transition.optional]


def action_form(action: str, choices: Choices, key: str) -> dict[str, Any] | None:
    """Draw the form of ``action``; returns the payload when submitted, else None."""
    choices = choices.for_action(action)
    with st.form(key=f"{key}_{action}", border=True):
        st.markdown(f"**{t(f'action.{action}')}**")
        payload: dict[str, Any] = {}
        for name, required in fields_of(action):
            caption_key, widget = WIDGETS[name]
            caption = t(caption_key) + (" *" if required else "")
            value = widget(name, caption, choices, f"{key}_{action}_{name}")
            if value is not None:
                payload[name] = value
        submitted = st.form_submit_button(t("console.submit"), type="primary")
    return payload if submitted else None
