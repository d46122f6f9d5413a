"""No Docker engine runs in CI, so the compose file is checked statically: against the Compose
specification's JSON schema, and every command it runs must exist in the project."""

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

COMPOSE_FILE = Path(settings.BASE_DIR) / "docker-compose.yml"
REQUIRED_SERVICES = {"db", "redis", "web", "worker", "beat", "proxy"}


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def test_compose_file_follows_the_compose_specification():
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())

    jsonschema.validate(load_compose(), schema)


def test_compose_has_the_stack_with_health_checks_and_a_database_volume():
    compose = load_compose()
    services = compose["services"]

    assert set(services) >= REQUIRED_SERVICES
    for name in REQUIRED_SERVICES:
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert services["db"]["image"].startswith("postgis/postgis")
    assert "pgdata" in compose["volumes"]
    assert any(volume.startswith("pgdata:") for volume in services["db"]["volumes"])


def test_every_compose_command_exists_in_the_project():
    services = load_compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        command = services[name]["command"]
        if command[0] == "uvicorn":
            module, attribute = command[1].split(":")
            assert (Path(settings.BASE_DIR) / (module.replace(".", "/") + ".py")).exists(), name
            assert attribute == "application"
        elif command[0] == "celery":
            assert command[1:3] == ["-A", "config"]
            assert (Path(settings.BASE_DIR) / "config" / "celery.py").exists()
        elif command[:2] == ["python", "manage.py"]:
            assert command[2] in get_commands(), f"{name}: unknown command {command[2]}"
        else:
            raise AssertionError(f"{name}: unexpected command {command}")
    assert (Path(settings.BASE_DIR) / "Dockerfile").exists()


def test_the_proxy_spreads_several_web_processes_and_never_buffers_the_live_map():
    services = load_compose()["services"]
    assert int(str(services["web"]["deploy"]["replicas"]).split("-")[-1].rstrip("}")) >= 2
    assert "ports" not in services["web"]  # reached through the proxy only
    mount = next(volume for volume in services["proxy"]["volumes"] if "nginx-vigie.conf.template" in volume)
    template = (Path(settings.BASE_DIR) / mount.split(":")[0]).read_text()
    stream = template.split("location ^~ /carte/police/flux/")[1].split("}")[0]
    assert "proxy_pass http://vigie_live;" in stream
    assert "proxy_buffering off;" in stream and "proxy_read_timeout 1h;" in stream
    assert "${VIGIE_UPSTREAM_SERVERS}" in template and services["proxy"]["environment"]["VIGIE_UPSTREAM_SERVERS"]


@pytest.mark.parametrize("pool", ["live", "staff"])
def test_the_live_map_stream_and_the_staff_have_web_processes_of_their_own_behind_the_proxy(pool):
    services = load_compose()["services"]
    processes, proxy = services[pool], services["proxy"]
    servers = f"VIGIE_{pool.upper()}_UPSTREAM_SERVERS"
    assert processes["command"] == services["web"]["command"]  # the same application, given only its paths
    assert "healthcheck" in processes and "ports" not in processes
    assert f"VIGIE_{pool.upper()}_REPLICAS" in str(processes["deploy"]["replicas"])
    # `-`, not `:-`: set empty, it stays empty, and the proxy's defaults send these paths to the web processes.
    assert proxy["environment"][servers] == f"${{{servers}-server {pool}:8000;}}"
    # With no replica the proxy still starts.
    assert proxy["depends_on"][pool] == {"condition": "service_healthy", "required": False}
    template = (Path(settings.BASE_DIR) / "deploy" / "nginx-vigie.conf.template").read_text()
    assert f"upstream vigie_{pool} {{\n    ${{{servers}}}" in template


def test_the_proxy_defaults_are_sourced_before_its_templates_are_rendered():
    proxy = load_compose()["services"]["proxy"]
    # The nginx image sources /docker-entrypoint.d/*.envsh before rendering its templates, in name order.
    defaults = next(volume for volume in proxy["volumes"] if "nginx-vigie-defaults.envsh" in volume)
    source, target = defaults.split(":")[:2]
    assert (Path(settings.BASE_DIR) / source).stat().st_mode & 0o111, "the image sources only executable files"
    assert target.startswith("/docker-entrypoint.d/") and target.endswith(".envsh")
    assert Path(target).name < "20-envsubst-on-templates.sh"
