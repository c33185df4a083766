"""The case's summary, orders and trail, drawn as escaped HTML: text typed by users (titles,
reasons, names) is shown as typed, never read as Markdown or HTML."""

from __future__ import annotations

import html

import streamlit as st

from dashboard.desk.case_view import CaseView, OrderRow
from dashboard.i18n import t
from dashboard.shared.text import md

_CSS = """<style>
.zz-facts{display:grid;grid-template-columns:repeat(2,minmax(4.5em,max-content) minmax(0,1fr));gap:4px 14px;
margin:0;font-size:.92rem}
.zz-facts dt{color:#8aa0bf;max-width:11em}.zz-facts dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.zz-ev{border-left:3px solid #2d4a73;padding:4px 10px;margin:0 0 8px 4px;font-size:.92rem}
.zz-ev.sup{border-left-color:#e0a030}.zz-ev .h{color:#c9d6ea}.zz-ev .m{color:#8aa0bf}
.zz-ev .d{white-space:pre-wrap;word-break:break-all;margin-top:2px}
.zz-orders{border-collapse:collapse;font-size:.9rem;width:100%}
.zz-orders th,.zz-orders td{border-bottom:1px solid #24324a;padding:4px 6px;text-align:left;white-space:pre-wrap}
.zz-orders th{color:#8aa0bf;font-weight:normal}
</style>"""


def _e(text: str) -> str:
    return html.escape(text)


def summary(view: CaseView) -> None:
    cells = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in view.summary)
    st.html(f'{_CSS}<dl class="zz-facts" id="zz-summary">{cells}</dl>')
    if view.case.description:
        st.markdown(f"**{t('field.description')}**")
        st.text(view.case.description)


def orders(rows: list[OrderRow]) -> None:
    if not rows:
        return
    st.markdown(f"**{t('console.orders')}**")
    returned = any(o.returned != "—" for o in rows)  # return columns only when something came back
    fed = any(o.feedback != "—" for o in rows)  # the assists' feedback once any reported or lapsed
    heads = ["order.role", "order.target", "field.state", "order.dispatched", "case.signed_at"]
    heads += ["case.returned_at", "order.returned_reason", "order.decision"] if returned else []
    heads += ["order.feedback"] if fed else []
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (o.role, o.target, o.state, o.dispatched, o.signed,
                                                         *((o.returned, o.returned_reason, o.decision) if returned else ()),
                                                         *((o.feedback,) if fed else ())))
        + "</tr>"
        for o in rows
    )
    st.html(f'{_CSS}<table class="zz-orders"><tr>{"".join(f"<th>{_e(t(h))}</th>" for h in heads)}</tr>{body}</table>')


def trail(view: CaseView) -> None:
    """Every event, oldest first, in full; pictures under the line that took them."""
    st.markdown(f"**{t('console.timeline')}**")
    pictures = {p.id: p for p in view.pictures}
    colon = t("case.colon")
    for i, ev in enumerate(view.events):
        change = f' · <span class="m">{_e(ev.change)}</span>' if ev.change else ""
        details = "".join(f'<div class="d"><span class="m">{_e(k)}{colon}</span>{_e(v)}</div>' for k, v in ev.details)
        st.html(
            f'{_CSS if i == 0 else ""}<div class="zz-ev{" sup" if ev.supervision else ""}">'
            f'<div class="h"><span class="m">{_e(ev.time)}</span> · {_e(ev.actor)} · <b>{_e(ev.action)}</b>{change}</div>'
            f"{details}</div>"
        )
        shown = [pictures[a] for a in ev.attachments if a in pictures and pictures[a].path.exists()]
        if shown:
            st.image([str(p.path) for p in shown], width=220, caption=[f"{md(p.taken)} · {md(p.by)}" for p in shown])
