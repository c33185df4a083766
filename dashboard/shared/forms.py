"""Forms for workflow actions, derived from the declaration in :mod:`dispatch.workflow`.

Each action's form has exactly the fields its :class:`~dispatch.workflow.Transition` lists
(required first, then optional), each drawn by the widget :data:`WIDGETS` declares for that
field name. Nothing here knows which action needs what: a new action in the workflow gets
its form for free, and a field nobody declared a widget for fails loudly in the tests.
Empty inputs are left out of the payload, so a missing required field is refused by the
workflow itself, with its own message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard.i18n import current_lang, label, t
from dispatch.types import Complexity, Risk, Satisfaction
from dispatch.workflow import BY_ACTION, Transition


@dataclass(frozen=True)
class Choices:
    """What select-like fields of one case offer: dispatch targets and its orders."""

    targets: list[tuple[dict[str, str], str]] = field(default_factory=list)  # (payload, name)
    orders: list[tuple[int, str]] = field(default_factory=list)  # (order id, description)


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


def _target(name: str, caption: str, choices: Choices, key: str) -> Any:
    names = [n for _, n in choices.targets]
    picked = st.selectbox(caption, range(len(names)), index=None, key=key,
                          format_func=lambda i: names[i], placeholder="—")
    return choices.targets[picked][0] if picked is not None else None


def _targets(name: str, caption: str, choices: Choices, key: str) -> Any:
    names = [n for _, n in choices.targets]
    picked = st.multiselect(caption, range(len(names)), key=key, format_func=lambda i: names[i])
    return [choices.targets[i][0] for i in picked] or None


def _order(name: str, caption: str, choices: Choices, key: str) -> Any:
    ids = [i for i, _ in choices.orders]
    texts = dict(choices.orders)
    return st.selectbox(caption, ids, index=0 if len(ids) == 1 else None, key=key,
                        format_func=lambda i: texts[i], placeholder="—")


#: Field name (as the workflow declares it) → (caption key, widget).
WIDGETS: dict[str, tuple[str, Widget]] = {
    "reason": ("field.reason", _text_area),
    "note": ("field.note", _text_area),
    "message": ("field.note", _text_area),
    "result": ("field.result", _text_area),
    "plan": ("field.plan", _text_area),
    "leader": ("field.leader", _text),
    "risk": ("field.risk", _enum("risk", [r.value for r in Risk])),
    "complexity": ("field.complexity", _enum("complexity", [c.value for c in Complexity])),
    "satisfaction": ("field.satisfaction", _enum("satisfaction", [s.value for s in Satisfaction])),
    "order_id": ("console.orders", _order),
    "into": ("field.other_case", _number(1, 2**31)),
    "days": ("field.days", _number(1, 120)),
    "lead": ("field.lead", _target),
    "assists": ("field.assists", _targets),
}


def fields_of(action: str) -> list[tuple[str, bool]]:
    """(field name, required) of ``action``, required first, as the workflow declares them."""
    transition: Transition = BY_ACTION[action]
    return [(f, True) for f in transition.required] + [(f, False) for f in transition.optional]


def action_form(action: str, choices: Choices, key: str) -> dict[str, Any] | None:
    """Draw the form of ``action``; returns the payload when submitted, else None."""
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
