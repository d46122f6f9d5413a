"""Every refusal of the import commands is one line naming the problem, exit status 1."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import LineString
from shapely.geometry import Point as ShapelyPoint

from tests.zones.conftest import SEED_COMMUNES, lambert_box, write_layer
from zones.models import Commune, Zone

pytestmark = pytest.mark.django_db


def refusal(*args) -> str:
    with pytest.raises(CommandError) as error:
        call_command(*args)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_missing_file_is_named(tmp_path):
    assert "Fichier introuvable" in refusal("import_communes", str(tmp_path / "absent.geojson"))


def test_an_empty_file_is_refused(tmp_path):
    (tmp_path / "vide.geojson").write_text("")
    assert "Fichier vide" in refusal("import_communes", str(tmp_path / "vide.geojson"))
    (tmp_path / "zero.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    assert "Fichier vide" in refusal("import_communes", str(tmp_path / "zero.geojson"))


def test_an_unreadable_format_is_refused(tmp_path):
    (tmp_path / "notes.geojson").write_text("ceci n'est pas de la géographie")
    assert "Format illisible" in refusal("import_communes", str(tmp_path / "notes.geojson"))


def test_a_layer_without_polygons_is_refused(tmp_path):
    path = write_layer(
        tmp_path / "points.geojson",
        [
            {"code": "1", "name": "a", "geometry": ShapelyPoint(5, 43)},
            {"code": "2", "name": "b", "geometry": LineString([(5, 43), (5.1, 43.1)])},
        ],
    )
    assert "aucun polygone" in refusal("import_communes", path)


def test_a_missing_name_field_is_named(tmp_path):
    assert "Champ « nom » absent" in refusal("import_communes", str(SEED_COMMUNES), "--name-field", "nom")


def test_no_crs_and_coordinates_that_are_not_lon_lat_are_refused(tmp_path):
    path = write_layer(
        tmp_path / "l93.shp", [{"code": "1", "name": "a", "geometry": lambert_box(0, 0, 100, 100)}], crs=None
    )
    assert "Aucune projection déclarée" in refusal("import_communes", path)


def test_unknown_commune_codes_are_named(tmp_path, seed_communes):
    assert "Commune inconnue : 00000" in refusal(
        "import_zones", str(SEED_COMMUNES), "--commune", "00000", "--kind", "neighbourhood", "--name-field", "name"
    )
    assert "Commune inconnue : 00000" in refusal("generate_neighbourhoods", "--commune", "00000", "--hex-size", "500")
    assert "inconnu dans le fichier : 99999" in refusal("import_communes", str(SEED_COMMUNES), "--code", "99999")


def test_a_failing_command_leaves_nothing_behind(tmp_path):
    refusal("import_communes", str(SEED_COMMUNES), "--code", "13108", "--code", "99999", "--commit")
    assert not Commune.objects.exists()


def test_the_commands_write_only_with_commit(seed_communes, capsys):
    call_command("generate_neighbourhoods", "--commune", "13074", "--hex-size", "1000")
    assert not Zone.objects.exists()
    assert "essai à blanc" in capsys.readouterr().out

    call_command("generate_neighbourhoods", "--commune", "13074", "--hex-size", "1000", "--commit")
    assert Zone.objects.filter(commune__code="13074").count() > 5


def test_the_command_line_gets_one_line_and_exit_status_1(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own manage.py with a fixed argument list
        [sys.executable, "manage.py", "import_communes", str(tmp_path / "absent.gpkg")],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "Fichier introuvable" in result.stderr


def test_the_routing_faces_fill_needs_at_least_one_connection():
    assert "--connections" in refusal("routing_faces_fill", "--connections", "0")
