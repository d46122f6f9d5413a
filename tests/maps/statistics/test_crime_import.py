import gzip

import pytest
from django.core.management import CommandError, call_command

from maps.models import CrimeImportBatch, RecordedCrime
from maps.statistics.crime_import import POLICE_UK_COLUMNS

HEADER = ",".join(POLICE_UK_COLUMNS)
ASB = ",2024-05,Met,Met,-0.100000,51.500000,On or near High St,E01,Camden 001A,Anti-social behaviour,,"


def police_uk_file(tmp_path, *lines, name="street.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def import_file(path, fmt="police-uk"):
    call_command("import_crimes", str(path), "--format", fmt, "--commit")


def test_reimport_adds_nothing_and_identical_rows_without_id_stay_distinct(db, tmp_path):
    path = police_uk_file(
        tmp_path,
        "abc123,2024-05,Met,Met,-0.1,51.5,On or near X,E01,L,Burglary,Under investigation,",
        ASB,
        ASB,
        ASB,
        ",2024-05,Met,Met,,,No location,,,Public order,,",
    )
    import_file(path)
    assert RecordedCrime.objects.count() == 5
    assert RecordedCrime.objects.filter(family="incivility", category="Anti-social behaviour").count() == 3
    assert RecordedCrime.objects.filter(location__isnull=True).count() == 1
    import_file(path)
    assert RecordedCrime.objects.count() == 5
    # A later file with one more identical row adds exactly that one.
    import_file(police_uk_file(tmp_path, ASB, ASB, ASB, ASB, name="later.csv"))
    assert RecordedCrime.objects.filter(category="Anti-social behaviour").count() == 4


def test_rows_without_coordinates_are_reported_and_kept(db, tmp_path, capsys):
    path = police_uk_file(tmp_path, ",2024-05,Met,Met,,,No location,,,Burglary,,", ASB)
    import_file(path)
    assert "1 sans coordonnées" in capsys.readouterr().out
    burglary = RecordedCrime.objects.get(family="burglary")
    assert burglary.location is None and burglary.month.isoformat() == "2024-05-01"
    assert CrimeImportBatch.objects.get().rows_without_location == 1


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    call_command("import_crimes", str(police_uk_file(tmp_path, ASB)), "--format", "police-uk")
    assert "1 nouvelles" in capsys.readouterr().out
    assert not RecordedCrime.objects.exists() and not CrimeImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "fichier vide"),
        (HEADER + "\n", "aucune ligne de données"),
        ("Crime ID,Month\nx,2024-01\n", "colonnes manquantes : Reported by"),
        (HEADER + "\n" + ASB + "\nx,2024-13,Met,Met,-0.1,51.5,X,E,L,Burglary,,\n", "ligne 3 : mois"),
        (HEADER + "\n" + ",2024-05,Met,Met,-0.1,951.5,X,E,L,Burglary,,\n", "latitude 951.5"),
    ],
)
def test_bad_file_names_the_problem_and_changes_nothing(db, tmp_path, content, problem):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=problem):
        import_file(path)
    assert not RecordedCrime.objects.exists() and not CrimeImportBatch.objects.exists()


def test_unreadable_file(db, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CommandError, match="illisible"):
        import_file(path)
    with pytest.raises(CommandError, match="illisible"):
        import_file(tmp_path / "missing.csv")


SSMSI = """CODGEO_2025;annee;indicateur;unite_de_compte;nombre;taux_pour_mille;est_diffuse;insee_pop;insee_log
99001;2023;Cambriolages de logement;Infraction;14;3,1;diff;4500;2100
99001;2024;Cambriolages de logement;Infraction;NA;NA;ndiff;4500;2100
99001;2024;Destructions et dégradations volontaires;Infraction;22;4,9;diff;4500;2100
"""


def test_ssmsi_gzipped_semicolons_keep_not_diffused_as_unknown(town, tmp_path):
    path = tmp_path / "ssmsi.csv.gz"
    path.write_bytes(gzip.compress(SSMSI.encode()))
    import_file(path, "ssmsi")
    burglaries = dict(RecordedCrime.objects.filter(family="burglary").values_list("year", "count"))
    assert burglaries == {2023: 14, 2024: None}
    assert RecordedCrime.objects.get(family="incivility").commune == town
    assert not RecordedCrime.objects.filter(location__isnull=False).exists()
    import_file(path, "ssmsi")
    assert RecordedCrime.objects.count() == 3


def test_ssmsi_comma_separated_needs_its_codgeo_column(db, tmp_path):
    path = tmp_path / "ssmsi.csv"
    path.write_text(SSMSI.replace(";", ",").replace("3,1", "3.1").replace("4,9", "4.9"), encoding="utf-8")
    import_file(path, "ssmsi")
    assert RecordedCrime.objects.count() == 3
    path.write_text(SSMSI.replace("CODGEO_2025", "commune"), encoding="utf-8")
    with pytest.raises(CommandError, match="CODGEO_"):
        import_file(path, "ssmsi")


def test_police_uk_point_links_to_the_commune_covering_it(town, tmp_path):
    import_file(police_uk_file(tmp_path, ",2024-05,Met,Met,5.01,43.01,X,E,L,Burglary,,"))
    assert RecordedCrime.objects.get().commune == town


@pytest.mark.parametrize(
    ("replace", "problem"),
    [
        (("Infraction;14;", "Infraction;1e400;"), "ligne 2 : nombre « 1e400 » hors limites"),
        (("Infraction;14;", "Infraction;3e9;"), "ligne 2 : nombre « 3e9 » hors limites"),
        (("Infraction;14;", "Infraction;-3;"), "ligne 2 : nombre « -3 » hors limites"),
        (("99001;2023;", "99001;²;"), "ligne 2 : année « ² » illisible"),
    ],
)
def test_ssmsi_values_out_of_range_name_the_line_and_change_nothing(db, tmp_path, replace, problem):
    path = tmp_path / "ssmsi.csv"
    path.write_text(SSMSI.replace(*replace), encoding="utf-8")
    with pytest.raises(CommandError, match=problem):
        import_file(path, "ssmsi")
    assert not RecordedCrime.objects.exists() and not CrimeImportBatch.objects.exists()
