"""Dates are written one way per language everywhere: templates only use the named formats of
config/formats, and the browser's script writes the same text as the server for the same moment."""

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"}
NAMED |= {"YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"}
# Not dates: a weekday name beside a named format, a month's short name as a column heading.
PARTS = {"l", "N"}


def project_templates() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.html", "*.txt"], cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    return [ROOT / name for name in listed.stdout.split() if "/templates/" in f"/{name}"]


def test_templates_write_dates_only_in_the_formats_of_the_language():
    explicit = []
    for path in project_templates():
        for match in re.finditer(r'\|date:"([^"]*)"', path.read_text()):
            if match.group(1) not in NAMED | PARTS:
                explicit.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
    assert project_templates() and not explicit


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "30/11/2026 15:05 · 30 novembre 2026"), ("en", "30 Nov 2026, 15:05 · 30 November 2026")],
)
def test_each_language_has_its_own_unambiguous_date(language, expected):
    template = engines["django"].from_string(
        '{{ moment|date:"SHORT_DATETIME_FORMAT" }} · {{ moment|date:"DATE_FORMAT" }}'
    )
    moment = dt.datetime(2026, 11, 30, 15, 5, tzinfo=dt.UTC)
    with translation.override(language), settings_time_zone("UTC"):
        assert template.render({"moment": moment}) == expected


@pytest.mark.skipif(shutil.which("node") is None, reason="node comes with npm, which make test installs")
def test_the_browser_writes_the_same_dates_as_the_server():
    moments = [
        dt.datetime(2026, month, day, hour, 7, tzinfo=dt.UTC)
        for month, day, hour in [(1, 5, 0), (5, 31, 9), (9, 3, 23), (11, 30, 14)]
    ]
    script = (
        "global.window = {}; global.document = {documentElement: {lang: 'fr'}};"
        f"eval(require('fs').readFileSync({json.dumps(str(ROOT / 'static/js/dates.js'))}, 'utf8'));"
        f"const moments = {json.dumps([m.isoformat() for m in moments])};"
        "const write = (l) => moments.map((m) => window.Vigie.formatDateTime(m, l, 'UTC'));"
        "console.log(JSON.stringify(['fr', 'en'].map(write)));"
    )
    node = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)  # noqa: S603, S607
    from_browser = json.loads(node.stdout)
    template = engines["django"].from_string('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    for language, written in zip(["fr", "en"], from_browser, strict=True):
        with translation.override(language), settings_time_zone("UTC"):
            assert written == [template.render({"moment": moment}) for moment in moments]


def settings_time_zone(name: str):
    from django.utils import timezone

    return timezone.override(name)
