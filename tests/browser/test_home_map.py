"""The national map of the home page, in real Chromium: it draws the communes from vector tiles
(Leaflet.VectorGrid served by the app, no CDN), and the page fits a 390 px wide phone."""

from datetime import date

import pytest
from django.test import Client

from tests.browser.conftest import screenshot
from tests.factories import make_commune

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_map_draws_the_communes_from_vector_tiles(open_page, server):
    make_commune(code="13108", name="Tarascon", bounds=(4.6, 43.75, 4.7, 43.85), adopted_on=date(2025, 1, 1))
    page = open_page(Client(), "fr-FR")
    tiles = []
    page.on("response", lambda response: tiles.append(response) if "/tiles/communes/" in response.url else None)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{server.url}/")
    page.wait_for_function("() => Number(document.getElementById('home-map').dataset.tilesLoaded || 0) > 0")
    loaded = [response for response in tiles if response.ok]
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('#home-map canvas')].some((canvas) => {
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) return true; }
            return false;
        })"""
    )
    scroll = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")

    assert loaded and all(r.headers["content-type"] == "application/vnd.mapbox-vector-tile" for r in loaded)
    assert drawn  # Tarascon, which joined, is filled in on a tile canvas
    assert scroll <= 0
    screenshot(page, "home-national-map")
