"""Downloads of a commune's statistics: CSV, GeoJSON and GeoPackage. Same small-cell rule as the
page: counts under 5 are written "< 5" and their rate left empty."""

import csv
import io
import os
import tempfile

import geopandas as gpd

CSV_COLUMNS = (
    "period",
    "zone",
    "family",
    "source",
    "count",
    "count_low",
    "count_high",
    "rate_per_1000_per_year",
    "rate_low",
    "rate_high",
    "rate_basis",
    "rate_note",
    "funnel",
)


def _blank(value) -> str:
    return "" if value is None else str(value)


def zone_statistics_csv(statistics: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    period = f"{statistics['start']}/{statistics['end']}"
    for row in statistics["totals"]:
        writer.writerow(
            (
                period,
                row["zone"],
                row["family"],
                row["source"],
                row["count_display"],
                _blank(row["count_low"]),
                _blank(row["count_high"]),
                _blank(row["rate_per_1000_per_year"]),
                _blank(row["rate_low"]),
                _blank(row["rate_high"]),
                row["rate_basis"] or "",
                row["rate_note"] or "",
                row["funnel"] or "",
            )
        )
    for row in statistics["types"]:
        writer.writerow(
            (period, f"(type) {row['type']}", row["family"], statistics["source"], row["count_display"], *[""] * 8)
        )
    covered = statistics["coverage"]
    blank = [""] * 8
    writer.writerow((period, "(hors des zones)", "", statistics["source"], covered["outside_zones_display"], *blank))
    writer.writerow((period, "(sans coordonnées)", "", statistics["source"], covered["rows_without_location"], *blank))
    for month in covered["months_without_data"]:
        writer.writerow((month, "(pas de données)", "", statistics["source"], "", *blank))
    for row in statistics["months"]:
        writer.writerow((row["month"], row["zone"], row["family"], row["source"], row["count_display"], *[""] * 8))
    return out.getvalue()


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
