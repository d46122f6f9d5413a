import datetime as dt

import pytest

from maps.statistics.crime_import import crimes_import
from maps.statistics.evaluation import department_of, recorded_evaluation
from tests.factories import make_commune

HEADER = "CODGEO_2025;annee;indicateur;unite_de_compte;nombre;taux_pour_mille;est_diffuse;insee_pop;insee_log"
BURGLARY = "Cambriolages de logement"


def ssmsi(tmp_path, rows: list[tuple[str, int, int | None, int]]) -> None:
    lines = [HEADER]
    for code, year, count, population in rows:
        diffused = "diff" if count is not None else "ndiff"
        lines.append(
            f"{code};{year};{BURGLARY};Infraction;{count if count is not None else 'NA'};NA;{diffused};{population};1"
        )
    path = tmp_path / "ssmsi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    crimes_import(path=path, source="ssmsi", commit=True)


@pytest.fixture
def town(db):
    return make_commune(
        code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02), adopted_on=dt.date(2025, 3, 1)
    )


def series(code, per_year: dict, population=5000):
    return [(code, year, n, population) for year, n in per_year.items()]


def test_the_commune_is_compared_with_similar_non_adopting_communes_of_its_departement(town, tmp_path):
    make_commune(code="99002", name="Adhérente", bounds=(6.0, 44.0, 6.02, 44.02), adopted_on=dt.date(2024, 1, 1))
    rows = series("99001", {2022: 40, 2023: 40, 2024: 40, 2025: 400, 2026: 20})  # 2025: the adoption year
    for k in range(6):  # six similar communes, flat
        rows += series(f"9910{k}", {2022: 40, 2023: 40, 2024: 40, 2025: 40, 2026: 40}, population=4000 + 300 * k)
    rows += series("99200", {2022: 400, 2023: 400, 2024: 400, 2025: 400, 2026: 100}, population=60000)  # too big
    rows += series("99002", {2022: 40, 2023: 40, 2024: 40, 2025: 40, 2026: 10})  # adopted: no control
    rows += series("98001", {2022: 40, 2023: 40, 2024: 40, 2025: 40, 2026: 10})  # another département
    ssmsi(tmp_path, rows)
    result = recorded_evaluation(town)
    assert result["available"] and result["before_years"] == [2022, 2023, 2024] and result["after_years"] == [2026]
    row = next(r for r in result["rows"] if r["family"] == "burglary")
    assert (row["before"], row["after"]) == (120, 20)  # the adoption year counts in neither period
    assert row["comparison_kind"] == "similar" and row["comparison_communes"] == 6
    comparison = row["comparison"]
    # (20 / 120) / (240 / 720) = 0.5, with its exact conditional interval.
    assert comparison["ratio_of_ratios"] == pytest.approx(0.5)
    assert comparison["ratio_of_ratios_low"] < 0.5 < comparison["ratio_of_ratios_high"] < 1
    assert "6 communes comparables du département" in row["comparison_label"]
    assert row["dispersion"] == 1.0 and "puissance de 80 %" in row["detectable"]


def test_without_enough_similar_communes_the_departement_trend_is_used(town, tmp_path):
    rows = series("99001", {2023: 40, 2024: 40, 2026: 30})
    rows += series("99101", {2023: 40, 2024: 40, 2026: 40})
    rows += series("99300", {2023: 900, 2024: 1000, 2026: 700}, population=90000)
    rows += series("99301", {2023: 5, 2024: 30, 2026: 2}, population=900)
    ssmsi(tmp_path, rows)
    row = recorded_evaluation(town)["rows"][0]
    assert row["comparison_kind"] == "department" and row["comparison_communes"] == 3
    assert "tendance du département" in row["comparison_label"]
    assert row["dispersion"] > 1  # the yearly series of the communes vary more than Poisson


def test_no_year_after_adoption_says_so(town, tmp_path):
    ssmsi(tmp_path, series("99001", {2023: 40, 2024: 40, 2025: 30}))
    result = recorded_evaluation(town)
    assert not result["available"] and "au moins une année complète avant et une après" in result["message"]


def test_departement_codes():
    assert (department_of("13108"), department_of("97411"), department_of("2A004")) == ("13", "974", "2A")
