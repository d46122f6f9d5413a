"""Imports of communes and zones from any file GDAL reads (GeoJSON, gzipped GeoJSON, GeoPackage,
Shapefile, KML, ...), in any CRS.

The file is read once with pyogrio into WKB, copied into a temporary staging table with COPY, and
everything else happens in SQL: reprojection to EPSG:4326, repair of invalid geometries
(ST_MakeValid, keeping only the polygonal parts), clipping, upsert and the subdivided copies used
by routing. The national file (34,867 communes) imports in seconds this way, where a Python loop
over rows would take minutes. Each import runs in one transaction: a dry run or a failure leaves
the database as it was."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import pyogrio.raw
from django.db import DataError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from psycopg import sql
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.projection import WGS84, metric_srid_sql
from zones import selectors, services
from zones.models import Commune, PoliceService, Zone

STAGING_TABLE = "zones_import_staging"


class BoundaryImportError(Exception):
    """A file that cannot be imported; the message is one line naming the problem."""


@dataclass
class SourceLayer:
    srid: int
    geometries: list
    columns: dict[str, list]
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass
class ImportReport:
    committed: bool
    created: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    coverage: selectors.Coverage | None = None
    versions: services.ZoneVersions | None = None

    def __post_init__(self):
        if self.versions is not None:
            self.created, self.updated = self.versions.created, self.versions.updated

    def lines(self) -> list[str]:
        lines = [*self.notes, *self.repairs, *self.skipped]
        if self.coverage is not None:
            lines += self.coverage.lines()
        if self.versions is not None:
            lines.append(
                _(
                    "Limites : %(versioned)d nouvelle(s) version(s), %(unchanged)d inchangée(s), %(retired)d "
                    "retirée(s) ; les versions remplacées restent pour les alertes qui y ont été diffusées."
                )
                % {
                    "versioned": self.versions.versioned,
                    "unchanged": self.versions.unchanged,
                    "retired": self.versions.retired,
                }
            )
        verb = _("importé(s)") if self.committed else _("à importer (essai à blanc : relancer avec --commit)")
        lines.append(
            _("%(created)d créé(s), %(updated)d mis à jour, %(verb)s.")
            % {
                "created": self.created,
                "updated": self.updated,
                "verb": verb,
            }
        )
        return lines


# --- reading -------------------------------------------------------------------------------------


def gdal_path(path: str) -> str:
    """The path GDAL should open: gzipped and zipped files go through its virtual file systems."""
    if path.startswith("/vsi"):
        return path
    file = Path(path)
    if not file.is_file():
        raise BoundaryImportError(_("Fichier introuvable : %(path)s") % {"path": path})
    if file.stat().st_size == 0:
        raise BoundaryImportError(_("Fichier vide : %(path)s") % {"path": path})
    if file.suffix.lower() == ".gz":
        return f"/vsigzip/{file.resolve()}"
    if file.suffix.lower() == ".zip":
        return f"/vsizip/{file.resolve()}"
    return str(file)


def source_srid(crs: str | None) -> int:
    """EPSG code of the file's CRS; a file without one is read as lon/lat and checked later."""
    if crs is None:
        return WGS84
    try:
        code = CRS.from_user_input(crs).to_epsg(min_confidence=70)
    except CRSError:
        code = None
    if code is None:
        raise BoundaryImportError(_("Projection du fichier non reconnue : %(crs)s") % {"crs": crs[:80]})
    return code


def source_read(path: str, *, fields: list[str], layer: str | None = None) -> SourceLayer:
    """Read the geometries (WKB) and the named attribute fields of one layer."""
    opened = gdal_path(path)
    try:
        info = pyogrio.read_info(opened, layer=layer)
        if info["features"] == 0:
            raise BoundaryImportError(_("Fichier vide : aucune entité dans %(path)s") % {"path": path})
        meta, _fids, geometries, values = pyogrio.raw.read(opened, layer=layer, columns=fields)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        reason = str(error).splitlines()[0][:160]
        message = _("Format illisible : %(path)s (%(reason)s)") % {"path": path, "reason": reason}
        raise BoundaryImportError(message) from None
    missing = [name for name in fields if name not in list(info["fields"])]
    if missing:
        raise BoundaryImportError(
            _("Champ « %(field)s » absent du fichier (champs présents : %(present)s)")
            % {"field": missing[0], "present": ", ".join(info["fields"]) or "aucun"}
        )
    if len(geometries) == 0:
        raise BoundaryImportError(_("Fichier vide : aucune entité dans %(path)s") % {"path": path})
    source = SourceLayer(
        srid=source_srid(meta["crs"]),
        geometries=list(geometries),
        columns=dict(zip(meta["fields"], values, strict=True)),
    )
    if meta["crs"] is None:
        source.notes.append(_("Aucune projection déclarée : coordonnées lues en longitude/latitude (EPSG:4326)."))
    return source


# --- staging -------------------------------------------------------------------------------------


# Populations and households are 32-bit integers in the database.
_MAX_COUNT = 2_147_483_647


def _as_int(value) -> int | None:
    """A non-negative whole count, or None for what is not one (empty, text, negative, infinite,
    beyond the column's range)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if 0 <= number <= _MAX_COUNT else None


def _as_text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _town_hall(value) -> tuple[float | None, float | None]:
    try:
        lon, lat = (float(v) for v in value)
    except (TypeError, ValueError):
        return None, None
    return (lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else (None, None)


def staging_load(source: SourceLayer, *, code=None, name=None, population=None, households=None, town_hall=None):
    """Copy the layer into a temporary table, in 4326, repaired; return (repairs, skipped) lines."""
    columns = source.columns
    rows = (
        (
            n,
            wkb,
            _as_text(columns[code][n]) if code else None,
            _as_text(columns[name][n]) if name else None,
            _as_int(columns[population][n]) if population else None,
            _as_int(columns[households][n]) if households else None,
            *(_town_hall(columns[town_hall][n]) if town_hall else (None, None)),
        )
        for n, wkb in enumerate(source.geometries)
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS zones_import_staging")
        cursor.execute(
            """CREATE TEMP TABLE zones_import_staging (n int PRIMARY KEY, wkb bytea, code text, name text,
                population bigint, households bigint, hall_lon float8, hall_lat float8, geom geometry)
                ON COMMIT DROP"""
        )
        with cursor.cursor.copy(
            "COPY zones_import_staging (n, wkb, code, name, population, households, hall_lon, hall_lat) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        _staging_project(cursor, source)
        repairs = _staging_repair(cursor)
        skipped = _staging_drop_empty(cursor)
    return repairs, skipped


def _staging_project(cursor, source: SourceLayer) -> None:
    cursor.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", [source.srid])
    if cursor.fetchone() is None:
        raise BoundaryImportError(_("Projection EPSG:%(srid)d inconnue de PostGIS.") % {"srid": source.srid})
    cursor.execute(
        "UPDATE zones_import_staging SET geom = ST_Force2D(ST_SetSRID(ST_GeomFromWKB(wkb), %s)) WHERE wkb IS NOT NULL",
        [source.srid],
    )
    if source.srid == WGS84:
        cursor.execute(
            """SELECT count(*) FROM zones_import_staging
                WHERE ST_XMin(geom) < -180 OR ST_XMax(geom) > 180 OR ST_YMin(geom) < -90 OR ST_YMax(geom) > 90"""
        )
        if cursor.fetchone()[0]:
            raise BoundaryImportError(
                _("Aucune projection déclarée et des coordonnées hors des bornes longitude/latitude.")
                if source.notes
                else _("Coordonnées hors des bornes longitude/latitude alors que le fichier se dit en EPSG:4326.")
            )
    else:
        cursor.execute("UPDATE zones_import_staging SET geom = ST_Transform(geom, 4326)")


def _staging_repair(cursor) -> list[str]:
    """Repair invalid geometries, keeping their polygonal parts; one line per repair."""
    cursor.execute(
        """WITH invalid AS (
                SELECT n, ST_IsValidReason(geom) AS reason FROM zones_import_staging WHERE NOT ST_IsValid(geom)
            )
            UPDATE zones_import_staging s SET geom = ST_MakeValid(s.geom)
            FROM invalid WHERE s.n = invalid.n
            RETURNING 'n°' || s.n + 1 || coalesce(' (' || coalesce(s.code || ' ', '') || s.name || ')', ''),
                invalid.reason"""
    )
    repairs = [
        _("%(feature)s : géométrie invalide (%(reason)s), réparée.") % {"feature": f, "reason": r}
        for f, r in sorted(cursor.fetchall())
    ]
    cursor.execute("UPDATE zones_import_staging SET geom = ST_Multi(ST_CollectionExtract(geom, 3))")
    return repairs


def _staging_drop_empty(cursor) -> list[str]:
    cursor.execute(
        """DELETE FROM zones_import_staging WHERE geom IS NULL OR ST_IsEmpty(geom)
           RETURNING 'n°' || n + 1 || coalesce(' (' || coalesce(code || ' ', '') || name || ')', '')"""
    )
    skipped = [_("%(feature)s : aucune surface (polygone), ignorée.") % {"feature": f} for (f,) in cursor.fetchall()]
    cursor.execute("SELECT count(*) FROM zones_import_staging")
    if cursor.fetchone()[0] == 0:
        raise BoundaryImportError(_("La couche ne contient aucun polygone."))
    return skipped


def _staging_require(cursor, column: str, message: str) -> list[str]:
    cursor.execute(
        sql.SQL("DELETE FROM zones_import_staging WHERE {} IS NULL RETURNING 'n°' || n + 1").format(
            sql.Identifier(column)
        )
    )
    return [f"{feature} : {message}" for (feature,) in cursor.fetchall()]


def _staging_refuse_duplicates(cursor, column: str) -> None:
    cursor.execute(
        sql.SQL("SELECT {0} FROM zones_import_staging GROUP BY {0} HAVING count(*) > 1 ORDER BY 1 LIMIT 5").format(
            sql.Identifier(column)
        )
    )
    duplicates = [value for (value,) in cursor.fetchall()]
    if duplicates:
        raise BoundaryImportError(
            _("Valeurs en double dans le fichier : %(values)s") % {"values": ", ".join(duplicates)}
        )


@contextmanager
def refused_by_database():
    """A value the database refuses (a name too long, a code too long) aborts the whole import,
    rolled back by the transaction inside, and is reported in one line."""
    try:
        yield
    except (DataError, IntegrityError) as error:
        reason = str(error).splitlines()[0]
        raise BoundaryImportError(
            _("Valeur refusée, rien n'a été importé : %(reason)s") % {"reason": reason}
        ) from None


def _finish(report: ImportReport, *, commit: bool) -> ImportReport:
    if not commit:
        transaction.set_rollback(True)
    return report


# --- communes ------------------------------------------------------------------------------------


def communes_import(
    *,
    path: str,
    codes: list[str] | None = None,
    code_field: str = "code",
    name_field: str = "name",
    population_field: str | None = None,
    town_hall_field: str | None = None,
    layer: str | None = None,
    commit: bool = False,
) -> ImportReport:
    """Upsert communes by code from a file; dry run unless `commit`."""
    wanted = [code_field, name_field, *[f for f in (population_field, town_hall_field) if f]]
    source = source_read(path, fields=wanted, layer=layer)
    with refused_by_database(), transaction.atomic():
        repairs, skipped = staging_load(
            source, code=code_field, name=name_field, population=population_field, town_hall=town_hall_field
        )
        with connection.cursor() as cursor:
            skipped += _staging_require(cursor, "code", _("sans code, ignorée."))
            if codes:
                _staging_keep_codes(cursor, codes)
            _staging_refuse_duplicates(cursor, "code")
            created, updated, commune_ids = _communes_upsert(cursor)
        services.commune_parts_rebuild(commune_ids=commune_ids)
        report = ImportReport(commit, created, updated, source.notes, repairs, skipped)
        return _finish(report, commit=commit)


def _staging_keep_codes(cursor, codes: list[str]) -> None:
    cursor.execute("SELECT code FROM unnest(%s::text[]) code EXCEPT SELECT code FROM zones_import_staging", [codes])
    unknown = sorted(code for (code,) in cursor.fetchall())
    if unknown:
        raise BoundaryImportError(
            _("Code de commune inconnu dans le fichier : %(codes)s") % {"codes": ", ".join(unknown)}
        )
    cursor.execute("DELETE FROM zones_import_staging WHERE code <> ALL(%s)", [codes])


def _communes_upsert(cursor) -> tuple[int, int, list[int]]:
    # The town hall is kept when the file has none; adoption date, households and routing radius
    # belong to the commune's own settings and are never overwritten by an import.
    cursor.execute(
        """INSERT INTO zones_commune (code, name, population, boundary, town_hall, metric_srid)
            SELECT code, coalesce(name, code), population, geom,
                   CASE WHEN hall_lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(hall_lon, hall_lat), 4326) END,
                   METRIC_SRID
            FROM zones_import_staging
            ON CONFLICT (code) DO UPDATE SET
                name = EXCLUDED.name, population = EXCLUDED.population, boundary = EXCLUDED.boundary,
                town_hall = coalesce(EXCLUDED.town_hall, zones_commune.town_hall),
                metric_srid = EXCLUDED.metric_srid
            RETURNING id, xmax = 0""".replace("METRIC_SRID", metric_srid_sql("ST_PointOnSurface(geom)"))
    )
    rows = cursor.fetchall()
    created = sum(1 for _id, inserted in rows if inserted)
    return created, len(rows) - created, [row[0] for row in rows]


# --- zones ---------------------------------------------------------------------------------------


def commune_by_code(code: str) -> Commune:
    commune = selectors.commune_by_code(code)
    if commune is None:
        raise BoundaryImportError(_("Commune inconnue : %(code)s (importez-la d'abord).") % {"code": code})
    return commune


def zones_import(
    *,
    path: str,
    commune_code: str,
    kind: str,
    name_field: str,
    households_field: str | None = None,
    population_field: str | None = None,
    police_service_name: str | None = None,
    replace: bool = False,
    layer: str | None = None,
    commit: bool = False,
) -> ImportReport:
    """Import neighbourhoods or police sectors of one commune, upserted by name; dry run unless `commit`.

    Neighbourhoods are clipped to the commune; police sectors are not (one may reach over several
    communes) and belong to `police_service_name`, by default the commune's municipal police."""
    commune = commune_by_code(commune_code)
    if kind not in Zone.Kind.values:
        raise BoundaryImportError(_("Type de zone inconnu : %(kind)s") % {"kind": kind})
    fields = [name_field, *[f for f in (households_field, population_field) if f]]
    source = source_read(path, fields=fields, layer=layer)
    with refused_by_database(), transaction.atomic():
        repairs, skipped = staging_load(
            source, name=name_field, households=households_field, population=population_field
        )
        service = _sector_service(commune, police_service_name) if kind == Zone.Kind.POLICE_SECTOR else None
        with connection.cursor() as cursor:
            skipped += _staging_require(cursor, "name", _("sans nom, ignorée."))
            _staging_refuse_duplicates(cursor, "name")
            if kind == Zone.Kind.NEIGHBOURHOOD:
                skipped += _staging_clip(cursor, commune)
        versions = services.zones_version(
            source_table=STAGING_TABLE,
            commune=commune,
            kind=kind,
            origin=Zone.Origin.IMPORTED,
            police_service=service,
            retire_missing=replace,
        )
        report = ImportReport(commit, notes=source.notes, repairs=repairs, skipped=skipped, versions=versions)
        report.coverage = selectors.zone_coverage(commune=commune, kind=kind, police_service=service)
        return _finish(report, commit=commit)


def _sector_service(commune: Commune, name: str | None) -> PoliceService:
    if name:
        service = PoliceService.objects.filter(name=name).first()
        if service is None:
            raise BoundaryImportError(_("Service de police inconnu : %(name)s") % {"name": name})
        return service
    return services.municipal_police_ensure(commune=commune)


def _staging_clip(cursor, commune: Commune) -> list[str]:
    """Clip neighbourhoods to the commune; report what was cut off, in m² of the commune's projection."""
    cursor.execute(
        """WITH clipped AS (
                SELECT s.n, ST_Multi(ST_CollectionExtract(ST_Intersection(s.geom, c.boundary), 3)) AS geom,
                       ST_Area(ST_Transform(ST_Difference(s.geom, c.boundary), c.metric_srid)) AS outside
                FROM zones_import_staging s, zones_commune c WHERE c.id = %s
            )
            UPDATE zones_import_staging s SET geom = clipped.geom FROM clipped
            WHERE s.n = clipped.n AND clipped.outside > 0.5
            RETURNING 'n°' || s.n + 1 || coalesce(' (' || coalesce(s.code || ' ', '') || s.name || ')', ''),
                clipped.outside, ST_IsEmpty(clipped.geom)""",
        [commune.id],
    )
    lines = []
    for feature, outside, emptied in sorted(cursor.fetchall()):
        if emptied:
            lines.append(_("%(feature)s : entièrement hors de la commune, ignorée.") % {"feature": feature})
        else:
            lines.append(
                _("%(feature)s : découpée à la limite communale (%(area).0f m² hors commune retirés).")
                % {"feature": feature, "area": outside}
            )
    cursor.execute("DELETE FROM zones_import_staging WHERE ST_IsEmpty(geom)")
    return lines


# --- generation ----------------------------------------------------------------------------------


def neighbourhoods_generate_report(
    *, commune_code: str, hex_size_m: float, replace: bool = False, estimate_population: bool = False, commit: bool
) -> ImportReport:
    """`services.neighbourhoods_generate` for the command: by code, dry run unless `commit`, reported."""
    commune = commune_by_code(commune_code)
    with transaction.atomic():
        versions = services.neighbourhoods_generate(
            commune=commune, hex_size_m=hex_size_m, replace=replace, estimate_population=estimate_population
        )
        report = ImportReport(commit, versions=versions)
        report.coverage = selectors.zone_coverage(commune=commune, kind=Zone.Kind.NEIGHBOURHOOD)
        return _finish(report, commit=commit)
