"""The translation table as :class:`dispatch.briefings.words.Words`: what the briefing
renderers (page, PDF, XLSX) are given so ``dispatch`` never imports the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import label, normalize, tr


@dataclass(frozen=True)
class TableWords:
    lang: str

    def text(self, key: str, /, **params: object) -> str:
        return tr(key, self.lang, **params)

    def label(self, group: str, value: str | None) -> str:
        return label(group, value, self.lang)


def words_for(lang: str | None) -> TableWords:
    """The table in ``lang`` (an unknown language reads Chinese)."""
    return TableWords(normalize(lang))
