"""The English catalogue: every French source string has an English translation, none is left
fuzzy (a fuzzy entry is a guess gettext does not use, so the page would stay in French)."""

import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries() -> list[str]:
    """The catalogue's entries, the header left out."""
    header = ("# ", '#, fuzzy\nmsgid ""')
    return [block for block in CATALOGUE.read_text().split("\n\n") if not block.startswith(header)]


def translations(block: str) -> list[str]:
    """The msgstr (or each msgstr[n]) of an entry, its continuation lines joined."""
    found, current = [], None
    for line in block.splitlines():
        if line.startswith("msgstr"):
            current = len(found)
            found.append(re.match(r'msgstr(?:\[\d+\])? "(.*)"$', line).group(1))
        elif current is not None and line.startswith('"'):
            found[current] += line[1:-1]
    return found


def test_every_entry_of_the_english_catalogue_is_translated():
    untranslated = [block for block in entries() if "" in translations(block)]

    assert untranslated == []


def test_no_entry_of_the_english_catalogue_is_fuzzy():
    assert [block for block in entries() if "#, fuzzy" in block] == []
