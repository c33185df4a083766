"""Refusals as sentences: a :class:`~dispatch.errors.DispatchError` worded for the person at
the desk, in the page's language, naming what is missing or wrong.

The one place that reads the domain's errors (their class, the field they name, the rule they
quote) for people. :data:`RULES` is read top to bottom; the first rule that fits words the
sentence. The field's caption is the one its form shows (:data:`FIELD_CAPTIONS`), so "请填写：
原因" names the box the person sees. Nothing of the English message reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import tr
from dashboard.shared.forms import WIDGETS
from dispatch.errors import (
    ActionNotAllowed,
    ConflictError,
    DispatchError,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from dispatch.resend import ResendConflict

#: Field name (as errors name it, without ``payload.`` or an index) → caption key.
FIELD_CAPTIONS: dict[str, str] = {
    **{name: caption for name, (caption, _widget) in WIDGETS.items()},
    "title": "field.title",
    "description": "field.description",
    "kind": "field.kind",
    "sub_kind": "field.sub_kind",
    "channel": "field.channel",
    "center": "field.center",
    "grid": "field.grid",
    "unit": "field.unit",
    "address": "field.address",
    "reporter": "field.reporter",
    "reporter_phone": "field.phone",
    "external_id": "field.external_id",
    "photos": "field.photos",
}


@dataclass(frozen=True)
class Rule:
    error: type[DispatchError]
    key: str  # translation key of the sentence; may use {field}, {action}, {state}
    says: str = ""  # a fragment of the error's message this rule is for ("" = any)


RULES: tuple[Rule, ...] = (
    Rule(InvalidInput, "refusal.high_risk", "high-risk"),
    Rule(InvalidInput, "refusal.same_grade", "already graded"),
    Rule(InvalidInput, "refusal.reason_length", "characters (it has"),
    Rule(InvalidInput, "refusal.date_passed", "has passed"),
    Rule(InvalidInput, "refusal.date_format", "YYYY-MM-DD"),
    Rule(InvalidInput, "refusal.review_needs_plan", "needs a plan"),
    Rule(InvalidInput, "refusal.reported_at", "reported_at"),
    Rule(InvalidInput, "refusal.photo_type", "JPEG, PNG"),
    Rule(InvalidInput, "refusal.photo_type", "content is not"),
    Rule(InvalidInput, "refusal.photo_size", "larger than"),
    Rule(InvalidInput, "refusal.photo_count", " photos"),
    Rule(InvalidInput, "refusal.required", "required"),
    Rule(InvalidInput, "refusal.required", "non-empty"),
    Rule(InvalidInput, "refusal.required", "at least 1 character"),
    Rule(InvalidInput, "refusal.too_long", "longer than"),
    Rule(InvalidInput, "refusal.too_long", "at most"),
    Rule(InvalidInput, "refusal.one_target", '{"department": code}'),
    Rule(InvalidInput, "refusal.target_outside", "owning center"),
    Rule(InvalidInput, "refusal.unknown_case", "unknown case"),
    Rule(InvalidInput, "refusal.place_outside", "is not under center"),
    Rule(InvalidInput, "refusal.unit_outside", "is not in grid"),
    Rule(InvalidInput, "refusal.phone", "mainland mobile"),
    Rule(InvalidInput, "refusal.phone", "must be digits"),
    Rule(InvalidInput, "refusal.sub_kind", "is not a sub-kind"),
    Rule(InvalidInput, "refusal.invalid"),
    Rule(ActionNotAllowed, "refusal.state"),
    Rule(ConflictError, "refusal.conflict"),
    Rule(ResendConflict, "refusal.resend_conflict"),
    Rule(Forbidden, "refusal.channel", "(granted channels:"),
    Rule(Forbidden, "refusal.forbidden"),
    Rule(NotFound, "refusal.not_found"),
    Rule(RuleViolation, "refusal.no_target", "no department or lower center"),
    Rule(RuleViolation, "refusal.top_level", "top level"),
    Rule(RuleViolation, "refusal.no_merge_target", "no other case"),
    Rule(RuleViolation, "refusal.cannot_absorb", "cannot absorb"),
    Rule(RuleViolation, "refusal.not_from_above", "issued by a higher center"),
    Rule(RuleViolation, "refusal.no_plan", "has no plan"),
    Rule(DispatchError, "refusal.other"),
)


def field_caption(field: str, lang: str) -> str:
    """``payload.reason`` / ``photos[1]`` / ``title`` → the caption its form shows."""
    name = field.removeprefix("payload.").split("[")[0].split(".")[0]
    key = FIELD_CAPTIONS.get(name)
    return tr(key, lang) if key else tr("refusal.this_field", lang)


def refusal_text(error: DispatchError, lang: str, action: str | None = None) -> str:
    """One sentence saying why ``error`` happened and what to do."""
    message = str(error)
    for rule in RULES:
        if isinstance(error, rule.error) and rule.says in message:
            field = field_caption(error.field, lang) if isinstance(error, InvalidInput) else ""
            state = getattr(error, "state", "")
            return tr(rule.key, lang, field=field, state=tr(f"state.{state}", lang) if state.isidentifier() else "—",
                      action=tr(f"action.{action}", lang) if action else "")
    return tr("refusal.other", lang, field="", state="", action="")
