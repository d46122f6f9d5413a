"""Downloads of a commune's statistics: two CSVs, GeoJSON and GeoPackage. Same small-cell rule as the
page: a count under 5 is never written as a number and its rate is left empty.

- `zone_statistics_csv_spreadsheet`: for French spreadsheets (Excel, LibreOffice in French): `;`
  separator, decimal comma, UTF-8 with a byte-order mark (without it Excel reads UTF-8 as Windows-1252
  and breaks every accent), French headers and labels, "< 5" written where a count is hidden.
- `zone_statistics_csv_analysis`: for analysts (R, pandas, QGIS): `,`, decimal point, codes
  (`burglary`, `households`, `above_95`), every number column numeric or empty, and a separate
  `count_status` column (`published`, `under_5`, `no_data`) instead of "< 5" in a number column."""

import csv
import io
import os
import tempfile

import geopandas as gpd
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.models import Family
from maps.statistics.reports import FUNNEL_LABELS, SOURCE_LABELS

PUBLISHED, UNDER_5, NO_DATA = "published", "under_5", "no_data"
# What each row of the export is: a zone's total, a type of event, the commune's coverage, a zone's month.
ZONE, TYPE, OUTSIDE, UNLOCATED, MONTH_WITHOUT_DATA, ZONE_MONTH = (
    "zone",
    "type",
    "outside_zones",
    "without_location",
    "month_without_data",
    "zone_month",
)
RATE_BASES = {"ménages": "households", "habitants": "population"}
NUMBERS = ("count", "count_low", "count_high", "rate_per_1000_per_year", "rate_low", "rate_high")
ANALYSIS_COLUMNS = (
    "period",
    "row_kind",
    "zone",
    "type",
    "family",
    "source",
    "count",
    "count_status",
    "count_low",
    "count_high",
    "rate_per_1000_per_year",
    "rate_low",
    "rate_high",
    "rate_basis",
    "rate_note",
    "funnel",
)


def _records(statistics: dict) -> list[dict]:
    """Every row of the export, with its figures as numbers (None when hidden or not applicable)."""
    period = f"{statistics['start']}/{statistics['end']}"
    source = statistics["source"]
    records = [
        {
            "period": period,
            "row_kind": ZONE,
            "zone": row["zone"],
            "family": row["family"],
            "source": row["source"],
            "count": row["count"],
            "count_status": _status(row["count"]),
            **{key: row[key] for key in NUMBERS[1:]},
            "rate_basis": RATE_BASES.get(row["rate_basis"]),
            "rate_note": row["rate_note"],
            "funnel": row["funnel"],
        }
        for row in statistics["totals"]
    ]
    for row in statistics["types"]:
        records.append(_count_record(period, TYPE, row["count"], source, family=row["family"], type=row["type"]))
    covered = statistics["coverage"]
    records.append(_count_record(period, OUTSIDE, covered["outside_zones"], source))
    records.append(_count_record(period, UNLOCATED, covered["rows_without_location"], source, status=PUBLISHED))
    for month in covered["months_without_data"]:
        records.append(_count_record(month, MONTH_WITHOUT_DATA, None, source, status=NO_DATA))
    for row in statistics["months"]:
        records.append(_count_record(row["month"], ZONE_MONTH, row["count"], row["source"], **_zone_family(row)))
    return records


def _zone_family(row: dict) -> dict:
    return {"zone": row["zone"], "family": row["family"]}


def _status(count: int | None) -> str:
    return UNDER_5 if count is None else PUBLISHED


def _count_record(period: str, kind: str, count, source: str, status: str | None = None, **fields) -> dict:
    return {
        "period": period,
        "row_kind": kind,
        "source": source,
        "count": count,
        "count_status": status or _status(count),
        **fields,
    }


def _text(value) -> str:
    return "" if value is None else str(value)


def zone_statistics_csv_analysis(statistics: dict) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ANALYSIS_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in _records(statistics):
        writer.writerow({column: _text(record.get(column)) for column in ANALYSIS_COLUMNS})
    return out.getvalue()


def _spreadsheet_columns() -> tuple[tuple[str, str], ...]:
    return (
        ("period", _("Période")),
        ("row_kind", _("Ligne")),
        ("zone", _("Zone")),
        ("type", _("Type")),
        ("family", _("Catégorie")),
        ("source", _("Source")),
        ("count", _("Nombre")),
        ("count_low", _("Nombre : borne basse (IC 95 %)")),
        ("count_high", _("Nombre : borne haute (IC 95 %)")),
        ("rate_per_1000_per_year", _("Taux pour 1 000 par an")),
        ("rate_low", _("Taux : borne basse (IC 95 %)")),
        ("rate_high", _("Taux : borne haute (IC 95 %)")),
        ("rate_basis", _("Base du taux")),
        ("rate_note", _("Remarque")),
        ("funnel", _("Position par rapport à la commune")),
    )


def _spreadsheet_labels() -> dict[str, dict]:
    return {
        "row_kind": {
            ZONE: _("total de la zone"),
            TYPE: _("type d'événement (commune)"),
            OUTSIDE: _("hors des zones"),
            UNLOCATED: _("sans coordonnées"),
            MONTH_WITHOUT_DATA: _("pas de données"),
            ZONE_MONTH: _("mois de la zone"),
        },
        "family": {value: str(label) for value, label in Family.choices},
        "source": {key: str(label) for key, label in SOURCE_LABELS.items()},
        "rate_basis": {"households": _("ménages"), "population": _("habitants")},
        "funnel": {key: str(label) for key, label in FUNNEL_LABELS.items()},
    }


def _spreadsheet_value(column: str, record: dict, labels: dict) -> str:
    value = record.get(column)
    if column == "count" and record["count_status"] == UNDER_5:
        return _("< 5")
    if column == "count" and record["count_status"] == NO_DATA:
        return _("pas de données")
    if column in labels and value is not None:
        return labels[column].get(value, value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return _text(value)


def zone_statistics_csv_spreadsheet(statistics: dict) -> bytes:
    """Always in French (it is the French spreadsheet file), whatever the page's language."""
    with translation.override("fr"):
        columns = _spreadsheet_columns()
        labels = _spreadsheet_labels()
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow([title for _key, title in columns])
        for record in _records(statistics):
            writer.writerow([_spreadsheet_value(key, record, labels) for key, _title in columns])
    return out.getvalue().encode("utf-8-sig")


def _writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nullable integer columns: GDAL cannot write Python None mixed with ints in an object column."""
    frame = frame.copy()
    for column in ("count", "zone_id"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def geopackage_file(layers: dict[str, gpd.GeoDataFrame]) -> io.BufferedReader:
    """The layers written to a GeoPackage; returns the open file, already unlinked, to stream."""
    handle, path = tempfile.mkstemp(suffix=".gpkg")
    os.close(handle)
    os.unlink(path)  # GDAL refuses to write into an existing empty file
    try:
        for name, frame in layers.items():
            if len(frame):
                _writable(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        return open(path, "rb")  # noqa: SIM115 - closed by the FileResponse that streams it
    finally:
        if os.path.exists(path):
            os.unlink(path)
