"""nginx in front of Vigie processes on loopback, with the project's own proxy configuration,
for the benchmarks and tests/config/test_proxy.py. No Django here: the tests import it too."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RENDER = BASE_DIR / "deploy" / "nginx-vigie-render.sh"


class Nginx:
    """nginx in the foreground in a directory of its own, with the project's server block rendered
    as on bare metal (deploy/nginx-vigie-render.sh): the live map's stream to `live_ports`, the
    requests of moderators, the town hall and the police to `staff_ports` (each to the web
    processes when there are none), everything else to `upstream_ports`."""

    def __init__(self, upstream_ports: list[int], live_ports: list[int] = (), staff_ports: list[int] = ()):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="vigie-nginx-"))
        block = subprocess.run(  # noqa: S603 - fixed argv
            [str(RENDER)],
            env={
                "PATH": os.environ["PATH"],
                "VIGIE_UPSTREAM_SERVERS": servers_line(upstream_ports),
                "VIGIE_LIVE_UPSTREAM_SERVERS": servers_line(live_ports),
                "VIGIE_STAFF_UPSTREAM_SERVERS": servers_line(staff_ports),
                "VIGIE_PROXY_PORT": f"127.0.0.1:{self.port}",
            },
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        log = self.directory / "access.log"
        (self.directory / "nginx.conf").write_text(
            f"daemon off;\nworker_processes 1;\npid {self.directory}/nginx.pid;\n"
            f"error_log {self.directory}/error.log;\n"
            f"events {{ worker_connections 4096; }}\nhttp {{\n"
            f"  log_format upstream '$request_uri $upstream_addr $status';\n  access_log {log} upstream;\n"
            f"  client_body_temp_path {self.directory}; proxy_temp_path {self.directory};\n"
            f"{block}\n}}\n"
        )
        self.log = log

    def start(self) -> "Nginx":
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(self.directory / "nginx.conf"), "-p", str(self.directory)], start_new_session=True
        )
        wait_listening(self.port)
        return self

    def streams_per_upstream(self) -> Counter:
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        # `$upstream_addr` lists every process tried ("a, b" when a was dead): the last one served.
        return Counter(
            line[: line.rfind(" ")].split(" ", 1)[1].split(", ")[-1]
            for line in lines
            if line.startswith("/carte/police/flux/")
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


def servers_line(ports) -> str:
    return " ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in ports)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int) -> None:
    """Until something accepts connections on the port (the server's readiness signal)."""
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")
