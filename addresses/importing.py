"""Import of the Base Adresse Nationale's CSV files (`adresses-XX.csv.gz`, one per département,
`;`-separated, a header naming the columns).

The file is streamed once into a temporary staging table with COPY; the checks, the streets and
the addresses are then three statements in SQL, never a Python loop over rows. A bad row is
reported with its line in the file and the whole import is refused: it runs in one transaction,
so a dry run or a failure leaves the database as it was. Addresses already held (same BAN
identifier) are kept as they are, so importing the same file again adds nothing."""

import gzip
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import psycopg
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from psycopg import sql

# The columns the index needs; the national files carry more (x, y, alias, cad_parcelles...).
REQUIRED_COLUMNS = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
STAGING_TABLE = "addresses_import_staging"
REPORTED_BAD_ROWS = 20
_CHUNK = 1 << 20


class AddressImportError(Exception):
    """A file that cannot be imported; the message names the problem (and the lines)."""


@dataclass
class AddressImportReport:
    committed: bool
    rows: int = 0
    streets_added: int = 0
    addresses_added: int = 0
    notes: list[str] = field(default_factory=list)
    # Seconds spent in each step, in order: where an import's time goes.
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - start

    def lines(self) -> list[str]:
        verb = _("importée(s)") if self.committed else _("à importer (essai à blanc : relancer avec --commit)")
        return [
            *self.notes,
            _("%(rows)d ligne(s) lue(s) : %(addresses)d adresse(s) et %(streets)d voie(s) nouvelle(s) %(verb)s.")
            % {"rows": self.rows, "addresses": self.addresses_added, "streets": self.streets_added, "verb": verb},
        ]


# --- reading -------------------------------------------------------------------------------------


@contextmanager
def _opened(path: str) -> Iterator[BinaryIO]:
    file = Path(path)
    if not file.is_file():
        raise AddressImportError(_("Fichier introuvable : %(path)s") % {"path": path})
    with file.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        with gzip.open(raw) if gzipped else raw as stream:
            yield stream


def _header(stream: BinaryIO, path: str) -> list[str]:
    try:
        first = stream.readline().decode("utf-8-sig").rstrip("\r\n")
    except (UnicodeDecodeError, OSError, EOFError) as error:
        raise AddressImportError(
            _("Format illisible : %(path)s (%(reason)s)") % {"path": path, "reason": error}
        ) from None
    columns = [name.strip().strip('"') for name in first.split(";")]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise AddressImportError(
            _("Colonne(s) absente(s) de l'en-tête (format de la Base Adresse Nationale attendu) : %(missing)s")
            % {"missing": ", ".join(missing)}
        )
    return columns


def _copy_error(error: psycopg.Error) -> AddressImportError:
    """The database's refusal of one line (wrong number of fields, bad encoding) as a message
    naming the line in the file (COPY counts from the line after the header)."""
    context = (error.diag.context or "").split("\n")[0]
    number = context.split(", line ")[1].split(":")[0].split(",")[0] if ", line " in context else ""
    line = int(number) + 1 if number.isdigit() else "?"
    reason = error.diag.message_primary or str(error)
    if "missing data for column" in reason or "extra data after last expected column" in reason:
        reason = _("pas autant de champs que l'en-tête")
    return AddressImportError(_("Ligne %(line)s : %(reason)s. Rien n'est importé.") % {"line": line, "reason": reason})


def staging_load(cursor, stream: BinaryIO, columns: list[str]) -> int:
    """COPY the rows into a temporary table of text columns; `line` is the row's line in the file.
    Returns how many rows were read."""
    names = [f"c{n}" for n in range(len(columns))]
    # Temporary tables live until the end of the transaction, which may be an outer one (a test, a
    # script importing several files): start clean.
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}, addresses_import_streets CASCADE")
    cursor.execute(
        sql.SQL("CREATE TEMP TABLE {} (line bigint GENERATED ALWAYS AS IDENTITY (START 2), {}) ON COMMIT DROP")
        .format(
            sql.Identifier(STAGING_TABLE),
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(n)) for n in names),
        )
        .as_string(cursor.connection)
    )
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, DELIMITER ';')").format(
        sql.Identifier(STAGING_TABLE), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with cursor.cursor.copy(statement) as copy:
        while chunk := stream.read(_CHUNK):
            copy.write(chunk)
    rows = cursor.cursor.rowcount
    # Named views of the needed columns, whatever their order in the file.
    cursor.execute(
        sql.SQL("CREATE TEMP VIEW addresses_import_rows AS SELECT line, {} FROM {}")
        .format(
            sql.SQL(", ").join(
                sql.SQL("{} AS {}").format(sql.Identifier(f"c{columns.index(name)}"), sql.Identifier(name))
                for name in REQUIRED_COLUMNS
            ),
            sql.Identifier(STAGING_TABLE),
        )
        .as_string(cursor.connection)
    )
    return rows


# --- checking ------------------------------------------------------------------------------------

# Each check is a condition on a row and the reason it gives; every row is read once.
_CHECKS = [
    ("coalesce(btrim(id), '') = ''", gettext_noop("identifiant absent")),
    ("numero IS NULL OR numero !~ '^[0-9]{1,5}$'", gettext_noop("numéro absent ou non numérique")),
    ("coalesce(btrim(nom_voie), '') = ''", gettext_noop("nom de voie absent")),
    ("length(nom_voie) > 200", gettext_noop("nom de voie trop long")),
    ("length(rep) > 10", gettext_noop("indice de répétition trop long")),
    ("code_postal IS NULL OR code_postal !~ '^[0-9]{5}$'", gettext_noop("code postal invalide")),
    ("code_insee IS NULL OR code_insee !~ '^[0-9][0-9AB][0-9]{3}$'", gettext_noop("code INSEE invalide")),
    ("coalesce(btrim(nom_commune), '') = ''", gettext_noop("nom de commune absent")),
    ("length(nom_commune) > 100 OR length(id) > 60", gettext_noop("nom de commune ou identifiant trop long")),
    (
        "lon IS NULL OR lat IS NULL OR lon !~ '^-?[0-9]{1,3}(\\.[0-9]+)?$' OR lat !~ '^-?[0-9]{1,2}(\\.[0-9]+)?$' "
        "OR abs(lon::float8) > 180 OR abs(lat::float8) > 90",
        gettext_noop("longitude/latitude absentes ou hors des bornes"),
    ),
]

# Constant SQL built from the checks above; the limit is a parameter.
_REASON = "CASE " + " ".join(f"WHEN {condition} THEN '{text}'" for condition, text in _CHECKS) + " END"
_BAD_ROWS_SQL = (
    "SELECT line, reason, count(*) OVER () FROM (SELECT line, "  # noqa: S608
    + _REASON
    + " AS reason FROM addresses_import_rows) r WHERE reason IS NOT NULL ORDER BY line LIMIT %s"
)


def staging_bad_rows(cursor) -> tuple[int, list[str]]:
    """(how many rows are bad, the first of them as "Ligne N : reason")."""
    cursor.execute(_BAD_ROWS_SQL, [REPORTED_BAD_ROWS])
    rows = cursor.fetchall()
    total = rows[0][2] if rows else 0
    return total, [_("Ligne %(line)d : %(reason)s.") % {"line": line, "reason": _(text)} for line, text, _n in rows]


# --- writing -------------------------------------------------------------------------------------


def file_streets_gather(cursor) -> None:
    """The file's streets, once per spelling, with the centre of their numbers."""
    cursor.execute(
        """CREATE TEMP TABLE addresses_import_streets ON COMMIT DROP AS
        SELECT code_insee, code_postal, nom_voie, min(nom_commune) AS nom_commune,
               code_insee || '|' || code_postal || '|' || addresses_normalise(nom_voie) AS key,
               -- The centroid of the numbers, without building a multipoint per street.
               ST_SetSRID(ST_MakePoint(avg(lon::float8), avg(lat::float8)), 4326) AS point,
               NULL::bigint AS street_id
        FROM addresses_import_rows GROUP BY code_insee, code_postal, nom_voie"""
    )


def file_streets_new(cursor) -> int:
    """How many of the file's streets are not held yet."""
    cursor.execute(
        """SELECT count(DISTINCT key) FROM addresses_import_streets v
        WHERE NOT EXISTS (SELECT FROM addresses_street s WHERE s.key = v.key)"""
    )
    return cursor.fetchone()[0]


# Every n-th row of a file, this many in all, tells how many of its addresses are new.
_NEW_SAMPLE = 10_000


def file_addresses_new_estimate(cursor, rows: int) -> int:
    """About how many of the file's addresses are not held yet, from a sample (one index probe
    per sampled row): a file imported again must not rebuild the indexes for nothing."""
    cursor.execute(
        """SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT FROM addresses_address a WHERE a.ban_id = r.id)),
                  count(*)
        FROM addresses_import_rows r WHERE r.line %% %s = 0""",
        [max(1, rows // _NEW_SAMPLE)],
    )
    new, sampled = cursor.fetchone()
    return round(rows * new / sampled) if sampled else 0


def streets_insert(cursor) -> int:
    """The file's streets not yet held; returns how many."""
    cursor.execute(
        """INSERT INTO addresses_street (key, name, postcode, insee_code, commune_name, search, point)
        SELECT DISTINCT ON (key) key, nom_voie, code_postal, code_insee, nom_commune,
               addresses_normalise(nom_voie || ' ' || code_postal || ' ' || nom_commune), point
        FROM addresses_import_streets ORDER BY key, nom_voie
        ON CONFLICT (key) DO NOTHING"""
    )
    added = cursor.rowcount
    # Each spelling of the file gets its street's id once, so the addresses need a single join.
    cursor.execute(
        """UPDATE addresses_import_streets v SET street_id = s.id FROM addresses_street s WHERE s.key = v.key"""
    )
    return added


def addresses_insert(cursor) -> int:
    """The file's addresses not yet held (by BAN identifier); returns how many."""
    cursor.execute(
        """INSERT INTO addresses_address (ban_id, street_id, number, suffix, point)
        SELECT r.id, v.street_id, r.numero::int, coalesce(btrim(r.rep), ''),
               ST_SetSRID(ST_MakePoint(r.lon::float8, r.lat::float8), 4326)
        FROM addresses_import_rows r JOIN addresses_import_streets v USING (code_insee, code_postal, nom_voie)
        ON CONFLICT (ban_id) DO NOTHING"""
    )
    return cursor.rowcount


# A file adding at least this share of the rows a table already holds (new rows: a file imported
# again adds none) rebuilds the table's secondary indexes (the GiST on points, the trigram GIN on
# street names, the btrees) by sorting once the rows are in, instead of inserting its entries one
# by one: measured in bench/RESULTS.md.
REBUILD_SHARE = 0.25


def indexes_drop_for_bulk(cursor, *, table: str, adding: int) -> list[str]:
    """When `adding` rows is a large share of `table`, drop its indexes that no constraint needs
    and return their definitions, for `indexes_build`. In the import's transaction: a failure
    puts them back, and suggestions wait for the import to end instead of seeing half of it."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    held = cursor.fetchone()[0]  # the planner's estimate (-1: never counted), exact after an import
    if held > 0 and adding < REBUILD_SHARE * held:
        return []
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisunique ORDER BY c.relname""",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)).as_string(cursor.connection))
    return [definition for _name, definition in indexes]


def indexes_build(cursor, definitions: list[str]) -> None:
    """Build dropped indexes again, exactly as they were, each from one sort of its table."""
    for definition in definitions:
        cursor.execute(definition)


def _insert_with_indexes(cursor, report: AddressImportReport, *, step: str, table: str, adding: int, insert) -> int:
    """`insert(cursor)` into `table`, its indexes built again after it when `adding` rows is a
    large share of the table; returns what `insert` returns."""
    dropped = indexes_drop_for_bulk(cursor, table=table, adding=adding)
    with report.timed(step):
        inserted = insert(cursor)
    if dropped:
        with report.timed(f"{step}: indexes rebuilt"):
            indexes_build(cursor, dropped)
    return inserted


def addresses_import(*, path: str, commit: bool = False) -> AddressImportReport:
    """Import a file in the national format; dry run unless `commit`. Refused whole, with the
    lines named, if any row is bad."""
    report = AddressImportReport(committed=commit)
    with _opened(path) as stream, transaction.atomic(), connection.cursor() as cursor:
        columns = _header(stream, path)
        # Room to hash the file's streets in memory and to build an index without spilling. One
        # commit: not waiting for its WAL flush means a crash in the next instant could lose the
        # whole import (to run again), never half of it.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        try:
            with report.timed("copy"):
                report.rows = staging_load(cursor, stream, columns)
        except (psycopg.errors.BadCopyFileFormat, psycopg.errors.DataError) as error:
            raise _copy_error(error) from None
        except (OSError, EOFError) as error:
            raise AddressImportError(
                _("Format illisible : %(path)s (%(reason)s)") % {"path": path, "reason": error}
            ) from None
        with report.timed("check"):
            bad, examples = staging_bad_rows(cursor)
        if bad:
            raise AddressImportError(
                "\n".join(
                    [_("%(bad)d ligne(s) invalide(s), rien n'est importé :") % {"bad": bad}, *examples]
                    + ([_("(et %(more)d autre(s))") % {"more": bad - len(examples)}] if bad > len(examples) else [])
                )
            )
        with report.timed("streets"):
            file_streets_gather(cursor)
        report.streets_added = _insert_with_indexes(
            cursor, report, step="streets", table="addresses_street", adding=file_streets_new(cursor),
            insert=streets_insert,
        )  # fmt: skip
        report.addresses_added = _insert_with_indexes(
            cursor, report, step="addresses", table="addresses_address",
            adding=file_addresses_new_estimate(cursor, report.rows), insert=addresses_insert,
        )  # fmt: skip
        cursor.execute(f"DROP TABLE {STAGING_TABLE}, addresses_import_streets CASCADE")
        if not commit:
            transaction.set_rollback(True)
    return report
