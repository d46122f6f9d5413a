"""The ready texts of good-practice reminders that the project ships (texts.json): prevention advice,
the charter's rules, seasonal advice. Each text is written in French and in English; the town hall
picks one and the language residents will read it in."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

TEXTS = Path(__file__).with_name("texts.json")


@dataclass(frozen=True)
class ReadyText:
    key: str
    theme: str
    title: dict[str, str]
    body: dict[str, str]

    def in_language(self, language: str) -> tuple[str, str]:
        code = language if language in self.title else "fr"
        return self.title[code], self.body[code]


@cache
def ready_texts() -> dict[str, ReadyText]:
    rows = json.loads(TEXTS.read_text(encoding="utf-8"))
    return {row["key"]: ReadyText(**row) for row in rows}


def ready_text(key: str) -> ReadyText | None:
    return ready_texts().get(key)


THEMES = {
    "prevention": _("Prévention"),
    "charter": _("Règles de la charte"),
    "seasonal": _("Saison"),
    "solidarity": _("Solidarité"),
}
