"""The 研判 page names what is open: a 日小结 is a summary (本小结 PDF, 本小结即定稿), the weekly,
monthly and quarterly assessments are 研判 (本研判 PDF), in both languages."""

from __future__ import annotations

from dashboard.briefings.view import kind_key
from dashboard.i18n import tr
from dispatch.briefings.model import Kind


def test_a_daily_summary_is_offered_as_a_summary_and_an_assessment_as_a_briefing() -> None:
    def words(kind: Kind, lang: str) -> list[str]:
        return [tr(kind_key(k, kind), lang) for k in
                ("brief_page.download_pdf", "brief_page.download_xlsx", "brief_page.sign_hint")]

    assert words(Kind.DAILY, "zh-CN")[:2] == ["本小结 PDF", "本小结 Excel"]
    assert "本小结即定稿" in words(Kind.DAILY, "zh-CN")[2]
    assert all("summary" in w for w in words(Kind.DAILY, "en"))
    for kind in (Kind.WEEKLY, Kind.MONTHLY, Kind.QUARTERLY):
        zh = words(kind, "zh-CN")
        assert zh[:2] == ["本研判 PDF", "本研判 Excel"] and "本研判即定稿" in zh[2], kind
        assert not any("小结" in w for w in zh), kind
        assert all("briefing" in w for w in words(kind, "en")), kind


def test_a_headline_figure_keeps_a_short_label_and_its_definition_as_help() -> None:
    from dashboard.briefings.view import metric_label
    from dispatch.briefings.words import HEADLINE

    labels = {name: metric_label(tr(key, "zh-CN")) for name, key, _ in HEADLINE}
    assert labels["satisfaction_broad_rate"] == ("满意率", "满意率（满意+基本满意）")
    assert labels["reported"][1] is None  # nothing to explain: no tooltip
    # Every headline label fits a seventh of the page (about ten characters of 14 px text).
    assert all(len(label) <= 10 for label, _ in labels.values()), labels
    en = {name: metric_label(tr(key, "en")) for name, key, _ in HEADLINE}
    assert all(len(label) <= 24 for label, _ in en.values()), en
