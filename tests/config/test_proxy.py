"""The proxy's server block as deploy/nginx-vigie-render.sh renders it (through the benchmarks'
bench/nginx_proxy.py), in a real nginx in front of two stand-in upstreams that answer with their
own name: the police live map's stream goes to the live processes and everything else to the web
processes, and without live processes the stream goes to the web processes."""

import http.server
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

from bench.nginx_proxy import Nginx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is installed by make test (system-deps)"),
]


def upstream(name: str):
    """An HTTP server on a free port answering every GET with `name`."""

    class Named(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxy():
    """Starts nginx with the rendered block; yields a function (web ports, live ports) -> get(path)."""
    started: list[Nginx] = []

    def start(web: list[int], live: list[int]):
        nginx = Nginx(web, live).start()
        started.append(nginx)

        def get(path: str) -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{nginx.port}{path}", timeout=10) as response:  # noqa: S310
                return response.read().decode()

        return get

    yield start
    for nginx in started:
        nginx.stop()


def test_the_live_map_stream_goes_to_the_live_processes_and_the_rest_to_the_web_processes(proxy):
    web, live = upstream("web"), upstream("live")
    try:
        get = proxy([web.server_port], [live.server_port])

        assert get("/carte/police/flux/") == "live"
        assert get("/carte/quartier/") == "web"
        assert get("/api/moderation/alerts/1/publish/") == "web"
        assert get("/carte/police/") == "web"  # the live map's page itself is a page
    finally:
        web.shutdown()
        live.shutdown()


def test_without_live_processes_the_stream_goes_to_the_web_processes(proxy):
    web = upstream("web")
    try:
        get = proxy([web.server_port], [])

        assert get("/carte/police/flux/") == "web"
        assert get("/carte/quartier/") == "web"
    finally:
        web.shutdown()
