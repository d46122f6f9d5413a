"""Import of recorded crime from open-data files (police.uk street-level CSV, SSMSI commune series).

One transaction: the file is parsed with the csv module, copied into a temporary table (COPY) and
inserted with `INSERT ... SELECT ... ON CONFLICT (dedup_key) DO NOTHING`, so re-importing a file adds
nothing. A bad file raises CrimeFileError naming the problem and changes nothing."""

import csv
import gzip
import hashlib
import io
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from alerts.models import Family
from maps.models import CrimeImportBatch, RecordedCrime

POLICE_UK_COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
POLICE_UK_FAMILIES = {
    "Burglary": Family.BURGLARY,
    "Anti-social behaviour": Family.INCIVILITY,
    "Criminal damage and arson": Family.INCIVILITY,
    "Public order": Family.INCIVILITY,
    "Vehicle crime": Family.THEFT,
    "Bicycle theft": Family.THEFT,
    "Shoplifting": Family.THEFT,
    "Theft from the person": Family.THEFT,
    "Other theft": Family.THEFT,
    "Robbery": Family.OTHER,
    "Violence and sexual offences": Family.OTHER,
    "Drugs": Family.OTHER,
    "Possession of weapons": Family.OTHER,
    "Other crime": Family.OTHER,
}
SSMSI_COLUMNS = ("annee", "indicateur", "unite_de_compte", "nombre", "taux_pour_mille", "est_diffuse")
SSMSI_FAMILIES = {
    "cambriolages de logement": Family.BURGLARY,
    "destructions et dégradations volontaires": Family.INCIVILITY,
    "vols de véhicules": Family.THEFT,
    "vols dans les véhicules": Family.THEFT,
    "vols d'accessoires sur véhicules": Family.THEFT,
    "vols sans violence contre des personnes": Family.THEFT,
}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
COPY_COLUMNS = (
    "source",
    "family",
    "category",
    "month",
    "year",
    "lon",
    "lat",
    "commune_code",
    "count",
    "dedup_key",
    "population",
)


class CrimeFileError(Exception):
    """The file cannot be imported; the message says why, in terms its owner can fix."""


@dataclass
class ImportReport:
    source: str
    rows_read: int = 0
    rows_added: int = 0
    rows_without_location: int = 0
    rows_not_diffused: int = 0
    unmapped_categories: Counter = field(default_factory=Counter)
    committed: bool = False


def row_key(*parts) -> str:
    """A uuid made of the first 128 bits of the SHA-256 of the parts."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16]))


def open_text(path: Path) -> io.TextIOBase:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CrimeFileError(f"fichier illisible : {error.strerror or error}") from error
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise CrimeFileError(f"fichier gzip illisible : {error}") from error
    try:
        return io.StringIO(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CrimeFileError(f"fichier illisible : ce n'est pas un texte UTF-8 (octet {error.start})") from error


def read_header(reader: csv.reader, required: tuple[str, ...]) -> list[str]:
    header = next(reader, None)
    if not header:
        raise CrimeFileError("fichier vide : aucune ligne d'en-tête")
    header = [name.strip() for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise CrimeFileError(f"colonnes manquantes : {', '.join(missing)}")
    return header


def coordinate(text: str, low: float, high: float, name: str, line: int) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise CrimeFileError(f"ligne {line} : {name} « {text} » n'est pas un nombre") from None
    if not low <= value <= high:
        raise CrimeFileError(f"ligne {line} : {name} {value} hors de [{low}, {high}]")
    return value


def police_uk_rows(stream: io.TextIOBase, report: ImportReport):
    """police.uk rows as COPY tuples; without a Crime ID the key is the row's content plus its rank
    among identical rows of the file (identical anti-social behaviour rows are distinct incidents)."""
    reader = csv.reader(stream)
    header = read_header(reader, POLICE_UK_COLUMNS)
    position = {name: header.index(name) for name in POLICE_UK_COLUMNS}
    seen: Counter = Counter()
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(header):
            raise CrimeFileError(f"ligne {line} : {len(values)} colonnes au lieu de {len(header)}")
        row = {name: values[index].strip() for name, index in position.items()}
        match = MONTH.match(row["Month"])
        if not match or not 1 <= int(match[2]) <= 12:
            raise CrimeFileError(f"ligne {line} : mois « {row['Month']} » attendu au format AAAA-MM")
        lon = coordinate(row["Longitude"], -180, 180, "longitude", line)
        lat = coordinate(row["Latitude"], -90, 90, "latitude", line)
        if lon is None or lat is None:
            lon = lat = None
            report.rows_without_location += 1
        crime_type = row["Crime type"]
        family = POLICE_UK_FAMILIES.get(crime_type)
        if family is None:
            report.unmapped_categories[crime_type] += 1
            family = Family.OTHER
        if row["Crime ID"]:
            key = row_key("police-uk", row["Crime ID"])
        else:
            content = tuple(values[index].strip() for index in range(len(header)))
            seen[content] += 1
            key = row_key("police-uk", *content, seen[content])
        report.rows_read += 1
        month = f"{row['Month']}-01"
        yield ("police-uk", family, crime_type, month, int(match[1]), lon, lat, "", 1, key, None)


# The count column is a 32-bit integer; no French commune records anywhere near this in a year.
SSMSI_MAX_COUNT = 2_000_000_000


def ssmsi_count(text: str, line: int) -> int | None:
    text = text.strip().replace(",", ".")
    if text in ("", "NA", "NaN", "nan"):
        return None
    try:
        number = float(text)
    except ValueError:
        raise CrimeFileError(f"ligne {line} : nombre « {text} » illisible") from None
    if not 0 <= number <= SSMSI_MAX_COUNT:  # NaN fails both comparisons
        raise CrimeFileError(f"ligne {line} : nombre « {text} » hors limites (0 à {SSMSI_MAX_COUNT})")
    return round(number)


def ssmsi_population(values: list[str], header: list[str]) -> int | None:
    """The commune's INSEE population (column insee_pop), used to find comparable communes; None if absent."""
    if "insee_pop" not in header:
        return None
    text = values[header.index("insee_pop")].strip().replace(",", ".")
    try:
        population = float(text)
    except ValueError:
        return None
    return round(population) if 0 < population < SSMSI_MAX_COUNT else None


def ssmsi_rows(stream: io.TextIOBase, report: ImportReport):
    """SSMSI commune rows as COPY tuples; a row not diffused keeps a NULL count (unknown, not 0)."""
    first = stream.readline()
    stream.seek(0)
    reader = csv.reader(stream, delimiter=";" if first.count(";") > first.count(",") else ",")
    header = read_header(reader, SSMSI_COLUMNS)
    codgeo = next((name for name in header if re.fullmatch(r"CODGEO_\d{4}", name)), None)
    if codgeo is None:
        raise CrimeFileError("colonnes manquantes : CODGEO_<année> (par exemple CODGEO_2025)")
    position = {name: header.index(name) for name in (codgeo, *SSMSI_COLUMNS)}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) < len(header):
            raise CrimeFileError(f"ligne {line} : {len(values)} colonnes au lieu de {len(header)}")
        row = {name: values[index].strip() for name, index in position.items()}
        if not re.fullmatch(r"[0-9]{2}|[0-9]{4}", row["annee"]):
            raise CrimeFileError(f"ligne {line} : année « {row['annee']} » illisible")
        year = int(row["annee"]) + (2000 if len(row["annee"]) == 2 else 0)
        count = ssmsi_count(row["nombre"], line)
        if row["est_diffuse"].lower() != "diff":
            count = None
        if count is None:
            report.rows_not_diffused += 1
        indicator = row["indicateur"]
        family = SSMSI_FAMILIES.get(indicator.lower())
        if family is None:
            report.unmapped_categories[indicator] += 1
            family = Family.OTHER
        report.rows_read += 1
        key = row_key("ssmsi", row[codgeo], year, indicator, row["unite_de_compte"])
        yield (
            "ssmsi",
            family,
            indicator,
            None,
            year,
            None,
            None,
            row[codgeo],
            count,
            key,
            ssmsi_population(values, header),
        )


PARSERS = {RecordedCrime.Source.POLICE_UK: police_uk_rows, RecordedCrime.Source.SSMSI: ssmsi_rows}

INSERT_SQL = """
    INSERT INTO maps_recordedcrime
        (source, family, category, month, year, location, commune_id, commune_code, count, dedup_key, batch_id,
         population)
    SELECT t.source, t.family, t.category, t.month, t.year, pt.geom,
           COALESCE(coded.id, (SELECT cp.commune_id FROM zones_communepart cp
                               WHERE pt.geom IS NOT NULL AND ST_Covers(cp.geom, pt.geom)
                               ORDER BY cp.commune_id LIMIT 1)),
           t.commune_code, t.count, t.dedup_key, %(batch)s, t.population
    FROM crime_import t
    CROSS JOIN LATERAL (SELECT CASE WHEN t.lon IS NULL THEN NULL
                                    ELSE ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) END AS geom) pt
    LEFT JOIN zones_commune coded ON t.commune_code <> '' AND coded.code = t.commune_code
    ON CONFLICT (dedup_key) DO NOTHING"""


def copy_rows(rows) -> None:
    with connection.cursor() as cursor:
        # Dropped explicitly too: inside an outer transaction (tests, a caller's atomic block) the
        # ON COMMIT DROP happens only later, and a second import would find the table.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.crime_import")
        cursor.execute(
            "CREATE TEMP TABLE crime_import (source text, family text, category text, month date, year int, "
            "lon float8, lat float8, commune_code text, count int, dedup_key uuid, population int) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY crime_import ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def crimes_import(*, path: Path, source: str, commit: bool = False) -> ImportReport:
    """Import the file; without `commit` everything is done and rolled back, so the report is exact."""
    if source not in PARSERS:
        raise CrimeFileError(f"format inconnu « {source} » (police-uk ou ssmsi)")
    report = ImportReport(source=source)
    stream = open_text(Path(path))
    with transaction.atomic():
        copy_rows(PARSERS[source](stream, report))
        if report.rows_read == 0:
            raise CrimeFileError("fichier vide : aucune ligne de données")
        batch = CrimeImportBatch(source=source, file_name=Path(path).name[:500])
        batch.full_clean()
        batch.save()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")  # PostGIS costs trigger a JIT compile slower than the insert
            cursor.execute(INSERT_SQL, {"batch": batch.id})
            report.rows_added = cursor.rowcount
            cursor.execute("DROP TABLE pg_temp.crime_import")
        batch.rows_read, batch.rows_added = report.rows_read, report.rows_added
        batch.rows_without_location = report.rows_without_location
        batch.save(update_fields=["rows_read", "rows_added", "rows_without_location"])
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    return report
