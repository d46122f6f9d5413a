import json
from pathlib import Path

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from standards.vector_tiles import tile_url_template


def home(request):
    """The home page, with the national map: every commune drawn from vector tiles (standards/),
    those that joined Vigie filled in."""
    home_map = {
        "tileUrl": settings.MAPS_TILE_URL,
        "tileAttribution": settings.MAPS_TILE_ATTRIBUTION,
        "communesTileUrl": tile_url_template("communes"),
        "label": _("Communes de France ; en couleur, celles qui ont rejoint Vigie."),
    }
    return render(request, "maps/home.html", {"home_map": home_map})


def axe_core_version() -> str | None:
    """The axe-core release the browser tests run (package.json pins it), so the statement names
    the check that was actually made."""
    try:
        return json.loads((Path(settings.BASE_DIR) / "package.json").read_text())["devDependencies"]["axe-core"]
    except (OSError, ValueError, KeyError):
        return None


def accessibility_statement(request):
    """The RGAA 4.1 accessibility statement, public as the law requires."""
    context = {"contact": settings.MAPS_ACCESSIBILITY_CONTACT, "axe_version": axe_core_version()}
    return render(request, "maps/accessibility.html", context)
