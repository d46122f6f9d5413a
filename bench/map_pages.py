"""Weight and server time of the three live map pages on the demo data (issue 19: the maps draw
their boundary layers from vector tiles rather than embedding them as GeoJSON).

    .venv/bin/python manage.py load_demo   # once
    .venv/bin/python bench/map_pages.py

For each page, as a demo user of Tarascon (habitant1, police.tarascon, mairie.tarascon) through
Django's whole stack (test client): the HTML's bytes and time, plus what the page fetches before
its first map is drawn: the police page's GeoJSON (sectors and alerts API) and, where the page
uses them, the vector tiles covering the fitted area at the zoom Leaflet fits it to on a 390 px
phone (uncached, then cached). The floor is the HTML of the page without any map data (the same
template's bytes minus the embedded JSON); the alternative is the whole GeoJSON embedded."""

import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import User  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
PHONE_PX = (390, 480)  # the map's box on a 390x844 phone


def client_for(email: str, staff: bool) -> Client:
    user = User.objects.get(email=email)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if staff:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def timed(client: Client, url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return elapsed, len(body), body


def fitted_tiles(bbox: list[float]) -> list[tuple[int, int, int]]:
    """The tiles Leaflet shows for bbox fitted in the phone's map box (fitBounds's zoom, floored)."""
    west, south, east, north = bbox

    def x(lon, z):
        return (lon + 180) / 360 * 2**z * 256

    def y(lat, z):
        return (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z * 256

    z = 18
    while z > 0 and (x(east, z) - x(west, z) > PHONE_PX[0] or y(south, z) - y(north, z) > PHONE_PX[1]):
        z -= 1
    return [
        (z, tx, ty)
        for tx in range(int(x(west, z) // 256), int(x(east, z) // 256) + 1)
        for ty in range(int(y(north, z) // 256), int(y(south, z) // 256) + 1)
    ]


def page_settings(body: bytes) -> dict:
    import json

    match = re.search(rb'<script id="map-settings" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match.group(1)) if match else {}


def embedded_json_bytes(body: bytes) -> int:
    return sum(len(m) for m in re.findall(rb'<script id="[\w-]+" type="application/json">(.*?)</script>', body, re.S))


def measure(name: str, client: Client, url: str, extra_urls: list[str]) -> None:
    page_ms, extra_ms, uncached_ms, cached_ms = [], [], [], []
    page_bytes = extra_bytes = tile_bytes = tile_count = 0
    for _ in range(RUNS):
        elapsed, page_bytes, body = timed(client, url)
        page_ms.append(elapsed)
        settings = page_settings(body)
        bbox, tile_urls = settings.get("fitBounds"), settings.get("zoneTiles", {})
        total, extra_bytes = 0.0, 0
        for extra in extra_urls:
            elapsed, size, _ = timed(client, extra)
            total, extra_bytes = total + elapsed, extra_bytes + size
        extra_ms.append(total)
        if bbox and tile_urls:
            tiles = fitted_tiles(bbox)
            for bucket in (uncached_ms, cached_ms):
                if bucket is uncached_ms:
                    cache.clear()
                total, tile_bytes, tile_count = 0.0, 0, 0
                for template in tile_urls.values():
                    for z, x, y in tiles:
                        elapsed, size, _ = timed(client, template.format(z=z, x=x, y=y))
                        total, tile_bytes, tile_count = total + elapsed, tile_bytes + size, tile_count + 1
                bucket.append(total)
    embedded = embedded_json_bytes(body)
    first_map = page_bytes + extra_bytes + tile_bytes
    print(
        f"{name}: HTML {page_bytes / 1024:.1f} KiB (embedded JSON {embedded / 1024:.1f} KiB) "
        f"median {statistics.median(page_ms):.1f} ms; "
        f"GeoJSON fetched {extra_bytes / 1024:.1f} KiB median {statistics.median(extra_ms):.1f} ms; "
        + (
            f"tiles {tile_count} = {tile_bytes / 1024:.1f} KiB, "
            f"uncached median {statistics.median(uncached_ms):.1f} ms, "
            f"cached median {statistics.median(cached_ms):.1f} ms; "
            if tile_count
            else "no tiles; "
        )
        + f"total to first map {first_map / 1024:.1f} KiB; "
        f"ratio to the page without map data {first_map / max(page_bytes - embedded, 1):.2f}"
    )


def main() -> None:
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}; runs per page: {RUNS}")
    resident = client_for("habitant1@vigie.test", staff=False)
    police = client_for("police.tarascon@vigie.test", staff=True)
    town_hall = client_for("mairie.tarascon@vigie.test", staff=True)
    police_page = police.get("/carte/police/").content.decode()
    police_fetches = [m.group(1) for m in re.finditer(r'data-(?:sectors|alerts)-url="([^"]+)"', police_page)]
    measure("residents' neighbourhood map", resident, "/carte/quartier/", [])
    measure("police live map", police, "/carte/police/", police_fetches)
    measure("commune map (staff)", town_hall, "/carte/commune/13108/", [])


if __name__ == "__main__":
    main()
