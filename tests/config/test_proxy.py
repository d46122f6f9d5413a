"""The proxy's server block as deploy/nginx-vigie-render.sh renders it (through the benchmarks'
bench/nginx_proxy.py), in a real nginx in front of stand-in upstreams that answer with their own
name: the police live map's stream goes to the live processes, what moderators, the town hall and
the police do to the staff processes, and everything else to the web processes; without live or
staff processes, their requests go to the web processes."""

import http.server
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from bench.nginx_proxy import Nginx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is installed by make test (system-deps)"),
]

# Requests of those who act for the commune, by the project's own URL names: a renamed or moved
# address fails here instead of silently leaving the staff processes.
STAFF_REQUESTS = [
    ("POST", "api-moderation-publish", [1]),
    ("GET", "api-moderation-queue", []),
    ("GET", "moderation-queue", []),
    ("POST", "moderation-action", [1, "publier"]),
    ("GET", "solidarity-moderation", []),
    ("POST", "api-broadcasts-send", []),
    ("GET", "broadcasts", []),
    ("GET", "referents-manage", []),
    ("GET", "maps-commune", ["13108"]),
    ("GET", "accounts-verification-list", []),
    ("GET", "api-residence-verification-list", []),
    ("GET", "maps-police-live", []),
    ("GET", "maps-police-alert-list", []),
    ("GET", "api-police-events", []),
    ("GET", "patrol-round", []),
    ("GET", "api-patrol-round", []),
    ("POST", "api-alert-follow-up", [7]),
    ("POST", "api-alert-assign", [7]),
    ("GET", "api-alert-notes", [7]),
]
# Residents' pages and actions, some under the same first segments as the staff's.
RESIDENT_REQUESTS = [
    ("GET", "maps-neighbourhood", []),
    ("GET", "inbox", []),
    ("GET", "api-inbox", []),
    ("POST", "api-alerts", []),
    ("GET", "api-alert-detail", [7]),
    ("POST", "api-alert-confirm", [7]),
    ("POST", "api-alert-appeal", [7]),
    ("GET", "alert-post", []),
    ("GET", "absences", []),
    ("GET", "statistics-index", []),
]


def upstream(name: str):
    """An HTTP server on a free port answering every GET and POST with `name`."""

    class Named(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def upstreams():
    """Yields a function name -> a stand-in upstream answering with that name; shuts them down."""
    started = []

    def start(name: str):
        server = upstream(name)
        started.append(server)
        return server.server_port

    yield start
    for server in started:
        server.shutdown()


@pytest.fixture
def proxy():
    """Starts nginx with the rendered block; yields a function (web, live, staff ports) -> fetch."""
    started: list[Nginx] = []

    def start(web: list[int], live: list[int], staff: list[int] = ()):
        nginx = Nginx(web, live, staff).start()
        started.append(nginx)

        def fetch(path: str, method: str = "GET") -> str:
            request = urllib.request.Request(  # noqa: S310 - loopback only
                f"http://127.0.0.1:{nginx.port}{path}", data=b"{}" if method == "POST" else None, method=method
            )
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.read().decode()

        return fetch

    yield start
    for nginx in started:
        nginx.stop()


def answered_by(fetch, requests) -> dict[str, str]:
    return {name: fetch(reverse(name, args=args), method) for method, name, args in requests}


def test_the_live_map_stream_goes_to_the_live_processes_and_the_rest_to_the_web_processes(proxy, upstreams):
    fetch = proxy([upstreams("web")], [upstreams("live")])

    assert fetch("/carte/police/flux/") == "live"
    assert fetch("/carte/quartier/") == "web"
    assert fetch("/api/moderation/alerts/1/publish/", "POST") == "web"  # no staff processes
    assert fetch("/carte/police/") == "web"  # the live map's page itself is a page


def test_without_live_processes_the_stream_goes_to_the_web_processes(proxy, upstreams):
    fetch = proxy([upstreams("web")], [])

    assert fetch("/carte/police/flux/") == "web"
    assert fetch("/carte/quartier/") == "web"


def test_moderators_the_town_hall_and_the_police_go_to_the_staff_processes(proxy, upstreams):
    fetch = proxy([upstreams("web")], [upstreams("live")], [upstreams("staff")])

    assert set(answered_by(fetch, STAFF_REQUESTS).items()) == {(name, "staff") for _, name, _ in STAFF_REQUESTS}
    assert set(answered_by(fetch, RESIDENT_REQUESTS).items()) == {(name, "web") for _, name, _ in RESIDENT_REQUESTS}
    # The stream stays on the live processes, though the police's pages around it are staff.
    assert fetch(reverse("maps-police-stream")) == "live"
    assert fetch("/api/alerts/7/follow-up/extra") == "web"  # only the follow-up's own addresses


def test_without_staff_processes_their_requests_go_to_the_web_processes(proxy, upstreams):
    fetch = proxy([upstreams("web")], [upstreams("live")], [])

    assert set(answered_by(fetch, STAFF_REQUESTS).values()) == {"web"}
    assert fetch(reverse("maps-police-stream")) == "live"
