import gzip

import pytest

from addresses.importing import AddressImportError, addresses_import
from addresses.models import Address, Street
from tests.addresses.conftest import CHURCH, HALLES, write_lines, write_national

GOOD = "13108_0420_00001;13108_0420;1;;Rue des Halles;13150;13108;Tarascon;;;;;4.66;43.806;entrée;;;;;;;;"


def test_a_national_file_imports_streets_and_numbers(imported):
    assert (imported.rows, imported.addresses_added, imported.streets_added) == (22, 22, 3)
    halles = Street.objects.get(name="Rue des Halles")
    assert (halles.postcode, halles.insee_code, halles.search) == ("13150", "13108", "rue des halles 13150 tarascon")
    twelve = Address.objects.get(ban_id="13108_0420_00012")
    assert (twelve.street, twelve.number, twelve.point.coords) == (halles, 12, pytest.approx((4.6612, 43.806)))
    assert Address.objects.get(number=2, suffix="bis").street.name == "Place de la Mairie"


def test_importing_the_same_file_again_adds_nothing(imported, tmp_path):
    again = addresses_import(path=write_national(tmp_path / "again.csv.gz"), commit=True)

    assert (again.rows, again.addresses_added, again.streets_added) == (22, 0, 0)
    assert not {"addresses: indexes rebuilt", "streets: indexes rebuilt"} & set(again.timings)  # none to add
    assert Address.objects.count() == 22


def test_a_dry_run_counts_and_writes_nothing(tmp_path, db):
    report = addresses_import(path=write_national(tmp_path / "a.csv", HALLES[:5]))

    assert (report.committed, report.addresses_added) == (False, 5)
    assert "essai à blanc" in report.lines()[-1]
    assert not Address.objects.exists() and not Street.objects.exists()


def test_bad_rows_are_reported_with_their_line_and_nothing_is_imported(imported, tmp_path):
    lines = [
        GOOD.replace("00001", "00099").replace(";1;", ";99;"),
        GOOD.replace("4.66;43.806", "4.66;"),  # line 3: no latitude
        GOOD.replace(";13150;", ";1315;"),  # line 4: postcode
        GOOD.replace(";1;", ";douze;"),  # line 5: number
        GOOD.replace("4.66;43.806", "400;43.806"),  # line 6: longitude out of range
    ]
    with pytest.raises(AddressImportError) as refused:
        addresses_import(path=write_lines(tmp_path / "bad.csv", lines), commit=True)

    message = str(refused.value)
    assert message.startswith("4 ligne(s) invalide(s), rien n'est importé")
    assert "Ligne 3 : longitude/latitude" in message and "Ligne 4 : code postal invalide" in message
    assert "Ligne 5 : numéro" in message and "Ligne 6 : longitude/latitude" in message
    assert "Ligne 2" not in message
    assert not Address.objects.filter(number=99).exists()
    assert Address.objects.count() == 22


def test_a_row_with_a_missing_field_names_its_line(tmp_path, db):
    lines = [GOOD, GOOD.replace("00001", "00002").rsplit(";", 3)[0]]

    with pytest.raises(AddressImportError, match=r"^Ligne 3 : .*Rien n'est importé"):
        addresses_import(path=write_lines(tmp_path / "short.csv", lines), commit=True)
    assert not Address.objects.exists()


def test_a_file_without_the_national_header_is_refused(tmp_path, db):
    path = tmp_path / "other.csv.gz"
    with gzip.open(path, "wt") as file:
        file.write("adresse;ville\n12 rue des Halles;Tarascon\n")

    with pytest.raises(AddressImportError, match="nom_voie, code_postal, code_insee, nom_commune, lon, lat"):
        addresses_import(path=str(path), commit=True)


def test_the_columns_may_come_in_any_order(tmp_path, db):
    header = "nom_commune;lat;lon;id;numero;rep;nom_voie;code_postal;code_insee"
    path = tmp_path / "reordered.csv"
    path.write_text(f"{header}\n{CHURCH.commune};43.6463;5.5833;13074_0100_00003;3;;Rue de l'Église;13860;13074\n")

    report = addresses_import(path=str(path), commit=True)

    assert report.addresses_added == 1
    assert str(Address.objects.get()) == "3 Rue de l'Église, 13860 Peyrolles-en-Provence"


def test_the_command_is_a_dry_run_unless_committed(tmp_path, db):
    from django.core.management import CommandError, call_command

    path = write_national(tmp_path / "adresses-13.csv.gz", HALLES[:3])
    call_command("import_addresses", path)
    assert not Address.objects.exists()
    call_command("import_addresses", path, "--commit")
    assert Address.objects.count() == 3
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_addresses", str(tmp_path / "absent.csv.gz"))


def _indexes() -> set[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'addresses_%'")
        return set(cursor.fetchall())


def _nearest_uses_the_point_index() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM addresses_address ORDER BY point <-> ST_SetSRID(ST_MakePoint(4.66, 43.8), 4326) "
            "LIMIT 1"
        )
        return "addresses_address_point" in " ".join(line for (line,) in cursor.fetchall())


def test_a_large_import_builds_the_indexes_again_as_they_were(tmp_path, db):
    before = _indexes()

    report = addresses_import(path=write_national(tmp_path / "adresses-13.csv.gz"), commit=True)

    assert "addresses: indexes rebuilt" in report.timings and "streets: indexes rebuilt" in report.timings
    assert _indexes() == before and len(before) == 8
    assert _nearest_uses_the_point_index()
    assert Address.objects.filter(street__name="Rue des Halles", number=12).count() == 1


def test_a_dry_run_of_a_large_import_leaves_the_indexes(tmp_path, db):
    before = _indexes()

    report = addresses_import(path=write_national(tmp_path / "adresses-13.csv.gz"))

    assert "addresses: indexes rebuilt" in report.timings and report.addresses_added == 22
    assert _indexes() == before
    assert not Address.objects.exists()


def test_a_small_import_into_a_larger_index_inserts_into_it(imported, tmp_path, monkeypatch):
    from addresses import importing

    # Two rows for the 22 held: under the share that rebuilds.
    monkeypatch.setattr(importing, "REBUILD_SHARE", 1.0)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE addresses_address")
        cursor.execute("ANALYZE addresses_street")
    extra = [GOOD.replace("00001", "00099").replace(";1;", ";99;"), GOOD.replace("00001", "00012")]

    report = addresses_import(path=write_lines(tmp_path / "extra.csv", extra), commit=True)

    assert "addresses: indexes rebuilt" not in report.timings and "streets: indexes rebuilt" not in report.timings
    assert (report.rows, report.addresses_added, report.streets_added) == (2, 1, 0)
    assert Address.objects.get(number=99).street.name == "Rue des Halles"
    assert _nearest_uses_the_point_index() and len(_indexes()) == 8
