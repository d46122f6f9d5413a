"""Address suggestion and import at département-to-region scale: 2 million addresses in the Base
Adresse Nationale's CSV format, generated (2,000 communes of 60 streets of about 17 numbers, street
names drawn from one shared vocabulary so that, as in France, "Rue Victor Hugo" exists in hundreds
of communes), imported in two files of 1 million through `addresses.importing.addresses_import`,
then searched keystroke by keystroke through `addresses.selectors.address_suggest`, the selector
the geocoder API uses.

Runs in its own database, `vigie_bench_addresses`, created (and migrated) when missing;
BENCH_DATABASE_URL overrides the address. `.venv/bin/python bench/addresses.py [total] [--reuse]`:
`--reuse` keeps the addresses already imported there (searches only, no import figures);
`--grow=N` imports more files of a million into them until N are held (imports only); `--files=DIR`
keeps the generated files there for the next run.

Prints: generation and import times (addresses/s) for each million, table and index sizes and the
linear projection to the whole country (26 million), keystroke latency p50/p95/p99 and the final
answer's accuracy; and from the same run the floor (COPY of the same rows into a bare table; an
in-memory sorted prefix index in Python) and the naive way (ILIKE '%...%' scan)."""

import bisect
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_DATABASE", "vigie_bench_addresses")
REUSE = "--reuse" in sys.argv
# --files=DIR keeps the generated files there and reuses them on the next run.
GROW = next((int(arg.split("=", 1)[1]) for arg in sys.argv[1:] if arg.startswith("--grow=")), 0)
FILES = next((arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--files=")), None)
_SIZES = [arg for arg in sys.argv[1:] if arg.isdigit()]
TOTAL = int(_SIZES[0]) if _SIZES else 2_000_000
COMMUNES_PER_FILE = TOTAL // 2 // 1_000
STREETS_PER_COMMUNE = 60
TYPED_ADDRESSES = 200
NAIVE_QUERIES = 20
COUNTRY = 26_000_000

sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ["DEBUG"] = "False"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"postgis://vigie:vigie@127.0.0.1:5432/{DATABASE}")

TYPES = ["Rue", "Rue", "Rue", "Avenue", "Chemin", "Impasse", "Allée", "Place", "Boulevard", "Route"]
NAMES = [
    "Victor Hugo",
    "Jean Jaurès",
    "Pasteur",
    "Gambetta",
    "de la République",
    "de la Gare",
    "de l'Église",
    "des Écoles",
    "du Moulin",
    "des Lilas",
    "des Tilleuls",
    "des Platanes",
    "du Stade",
    "de la Mairie",
    "des Halles",
    "du Château",
    "de la Fontaine",
    "des Prés",
    "du Lavoir",
    "des Vignes",
    "des Oliviers",
    "des Cerisiers",
    "Émile Zola",
    "Jules Ferry",
    "Voltaire",
    "Molière",
    "Charles de Gaulle",
    "du Général Leclerc",
    "Foch",
    "Clemenceau",
    "de Verdun",
    "du 8 Mai 1945",
    "du 11 Novembre",
    "de la Liberté",
    "de la Paix",
    "des Acacias",
    "des Peupliers",
    "des Chênes",
    "des Pins",
    "du Soleil",
    "des Jardins",
    "du Marché",
    "de la Poste",
    "des Remparts",
    "Saint-Jean",
    "Saint-Pierre",
    "Saint-Michel",
    "Sainte-Anne",
    "Notre-Dame",
    "de Provence",
    "du Rhône",
    "de la Durance",
    "des Alpes",
    "Frédéric Mistral",
    "Paul Cézanne",
    "Marcel Pagnol",
    "Alphonse Daudet",
    "Jean Moulin",
    "Louis Pasteur",
    "Albert Camus",
    "George Sand",
    "Marie Curie",
    "Simone Veil",
    "Pierre et Marie Curie",
    "Anatole France",
    "Jean de la Fontaine",
    "Lamartine",
    "des Cigales",
    "des Romarins",
    "de la Croix",
    "du Puits",
    "de l'Abbaye",
    "du Pont",
    "des Moulins",
    "des Artisans",
    "de la Forge",
]
SYLLABLES = [
    "ro",
    "ma",
    "ve",
    "lan",
    "tar",
    "pey",
    "sa",
    "bri",
    "cour",
    "mont",
    "val",
    "bel",
    "fon",
    "ca",
    "ni",
    "vil",
    "le",
    "neu",
    "gar",
    "mar",
    "sol",
    "ber",
    "lau",
    "pra",
    "sen",
]


def commune_name(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
    return (
        rng.choice(["", "", "", "Saint-", "Le ", "La "]) + name + rng.choice(["", "", "", "-sur-Rhône", "-les-Pins"])
    )


def addresses_generate(first_commune: int, communes: int, seed: int):
    from addresses.national_format import NationalAddress

    rng = random.Random(seed)
    for c in range(first_commune, first_commune + communes):
        insee, postcode, commune = f"{10 + c // 900:02d}{c % 900 + 1:03d}", f"{10 + c // 900:02d}{c % 90:03d}", ""
        commune = commune_name(rng)
        lon0, lat0 = rng.uniform(-1.0, 7.0), rng.uniform(43.0, 49.0)
        streets = rng.sample([f"{t} {n}" for t in TYPES for n in NAMES], STREETS_PER_COMMUNE)
        for s, street in enumerate(streets):
            dx, dy = rng.uniform(-1e-4, 1e-4), rng.uniform(-1e-4, 1e-4)
            start_lon, start_lat = lon0 + rng.uniform(-0.03, 0.03), lat0 + rng.uniform(-0.03, 0.03)
            for n in range(1, 2 * rng.randint(5, 12)):
                yield NationalAddress(
                    insee,
                    postcode,
                    commune,
                    f"{s:04d}",
                    street,
                    n,
                    "bis" if n % 13 == 0 else "",
                    start_lon + n * dx,
                    start_lat + n * dy,
                )


def sql(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def database_prepare() -> None:
    import psycopg

    with psycopg.connect("postgresql://vigie:vigie@127.0.0.1:5432/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            admin.execute(f"CREATE DATABASE {DATABASE} OWNER vigie")
    import django

    django.setup()
    from django.core.management import call_command

    sql("CREATE EXTENSION IF NOT EXISTS postgis")
    call_command("migrate", "addresses", verbosity=0)
    if not REUSE and not GROW:
        sql("TRUNCATE addresses_street, addresses_address")


def sizes() -> dict[str, int]:
    rows = sql(
        """SELECT relname, pg_total_relation_size(oid) FROM pg_class
        WHERE relname IN ('addresses_street', 'addresses_address')"""
    )
    return dict(rows)


def mb(size: float) -> str:
    return f"{size / 1e6:,.0f} MB"


def backend() -> tuple[int, float]:
    """Peak resident memory (bytes; shared buffers it touched included) and CPU seconds used so
    far of this connection's PostgreSQL backend, read from /proc: the bench runs on the
    database's machine. CPU time says what the work costs whatever the machine's load."""
    pid = sql("SELECT pg_backend_pid()")[0][0]
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) * 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return peak, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_file(folder: Path, part: int) -> tuple[Path, int, float]:
    """Generate (unless kept from an earlier run) and import the part-th file of a million
    addresses; print its figures. Each import gets a new database session, so the backend's
    peak memory is that import's."""
    import resource

    from django.db import connection

    from addresses.importing import addresses_import
    from addresses.national_format import national_file_write

    path = folder / f"adresses-{COMMUNES_PER_FILE}-{part}.csv.gz"
    start = time.perf_counter()
    if not path.exists():
        national_file_write(
            path, addresses_generate(part * COMMUNES_PER_FILE, COMMUNES_PER_FILE, part), compresslevel=1
        )
    print(f"generated {path.name}: {time.perf_counter() - start:.0f} s, {path.stat().st_size / 1e6:.0f} MB")
    connection.close()
    _peak, cpu_before = backend()
    start, importer_cpu = time.perf_counter(), time.process_time()
    report = addresses_import(path=str(path), commit=True)
    seconds, importer_cpu = time.perf_counter() - start, time.process_time() - importer_cpu
    peak, cpu = backend()
    cpu -= cpu_before
    sql("VACUUM ANALYZE addresses_street")
    sql("VACUUM ANALYZE addresses_address")
    size, held = sizes(), sql("SELECT reltuples::bigint FROM pg_class WHERE relname = 'addresses_address'")[0][0]
    print(
        f"import {part + 1}: {report.rows:,} rows, {report.streets_added:,} streets in {seconds:.1f} s "
        f"= {report.rows / seconds:,.0f} addresses/s (CPU: database {cpu:.1f} s + importer {importer_cpu:.1f} s = "
        f"{report.rows / (cpu + importer_cpu):,.0f}/s of CPU); "
        f"{held:,} held: street table+indexes "
        f"{mb(size['addresses_street'])}, address table+indexes {mb(size['addresses_address'])}; peak memory: "
        f"database backend {mb(peak)}, importer {mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}"
    )
    print("  steps: " + ", ".join(f"{step} {spent:.1f} s" for step, spent in report.timings.items()))
    return path, report.rows, seconds


def import_files(folder: Path) -> list:
    return [import_file(folder, part) for part in range(2)]


def growth_bench(folder: Path, until: int) -> None:
    """Keep importing files of a million, each of new communes, until the table holds `until`
    addresses (--grow=N, after a first run): how time and memory grow towards the whole country."""
    # The next file after the last commune held (INSEE codes as addresses_generate numbers them).
    insee = sql("SELECT max(insee_code) FROM addresses_street")[0][0]
    part = ((int(insee[:2]) - 10) * 900 + int(insee[2:]) - 1) // COMMUNES_PER_FILE + 1
    while sql("SELECT count(*) FROM addresses_address")[0][0] < until:
        path, _rows, _seconds = import_file(folder, part)
        path.unlink()
        part += 1


def copy_floor(path: Path) -> float:
    """COPY of the same file into a bare text table: the least an import can cost."""
    import gzip

    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bare (line text) ON COMMIT DROP")
        start = time.perf_counter()
        with gzip.open(path) as stream, cursor.cursor.copy("COPY bare FROM STDIN (FORMAT text)") as copy:
            while chunk := stream.read(1 << 20):
                copy.write(chunk.replace(b"\\", b"\\\\"))
        return time.perf_counter() - start


def typed_sequences(rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(expected label, its commune's INSEE code, what the input holds after each keystroke) for
    random addresses, typed in lower case without accents, one in three with a letter dropped."""
    from addresses.selectors import _normalised

    rows = sql(
        """SELECT a.number, a.suffix, s.name, s.postcode, s.commune_name, s.insee_code FROM addresses_address a
        JOIN addresses_street s ON s.id = a.street_id ORDER BY random() LIMIT %s""",
        [TYPED_ADDRESSES * 10],
    )
    sequences = []
    for number, suffix, street, postcode, commune, insee in rng.sample(rows, TYPED_ADDRESSES):
        text = _normalised(f"{number}{' ' + suffix if suffix else ''} {street} {commune}")
        if rng.random() < 1 / 3:
            cut = rng.randrange(len(str(number)) + 3, len(text) - 1)
            text = text[:cut] + text[cut + 1 :]
        label = f"{number}{' ' + suffix if suffix else ''} {street}, {postcode} {commune}"
        sequences.append((label, insee, [text[:n] for n in range(3, len(text) + 1)]))
    return sequences


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1e3:.1f} ms, p95 {q[94] * 1e3:.1f} ms, p99 {q[98] * 1e3:.1f} ms"


def search_bench(sequences, *, in_commune: bool) -> float:
    """Every keystroke of every typed address through the geocoder's selector: as on the home form
    (no commune known) or as on the posting form (the resident's commune passed)."""
    from addresses.selectors import address_suggest

    latencies, found, slowest = [], 0, []
    for label, insee, keystrokes in sequences:
        for text in keystrokes:
            start = time.perf_counter()
            answers = address_suggest(text, insee_code=insee if in_commune else None)
            latencies.append(time.perf_counter() - start)
            slowest.append((latencies[-1], text))
        found += any(a.label == label for a in answers[:1])
    where = "in the commune (posting form)" if in_commune else "anywhere (home form)"
    print(
        f"suggest {where}: {len(latencies):,} keystroke queries on {len(sequences)} addresses: "
        f"{percentiles(latencies)}; final answer first for {found}/{len(sequences)} "
        f"({found / len(sequences):.0%}, one in three misspelt)"
    )
    slowest.sort(reverse=True)
    print("  slowest: " + "; ".join(f"{text!r} {seconds * 1e3:.0f} ms" for seconds, text in slowest[:8]))
    return statistics.quantiles(latencies, n=100)[94]


def prefix_floor(sequences) -> float:
    """An in-memory sorted list of every normalised address, searched by bisect: exact prefixes
    only (no typo, no word order), the floor of a keystroke lookup."""
    from addresses.selectors import _normalised

    start = time.perf_counter()
    rows = sql(
        """SELECT a.number || coalesce(' ' || nullif(a.suffix, ''), '') || ' ' || s.name || ' ' || s.commune_name
        FROM addresses_address a JOIN addresses_street s ON s.id = a.street_id"""
    )
    keys = sorted(_normalised(text) for (text,) in rows)
    print(f"in-memory prefix index: {len(keys):,} keys built in {time.perf_counter() - start:.0f} s")
    latencies = []
    for _label, _insee, keystrokes in sequences:
        for text in keystrokes:
            begin = time.perf_counter()
            at = bisect.bisect_left(keys, text)
            _answers = keys[at : at + 8]
            latencies.append(time.perf_counter() - begin)
    print(f"floor (in-memory prefix index): {percentiles(latencies)}")
    return statistics.quantiles(latencies, n=100)[94]


def naive(sequences) -> float:
    """What one would write first: ILIKE '%text%' over street and commune, no index can help."""
    latencies = []
    for _label, _insee, keystrokes in sequences[:NAIVE_QUERIES]:
        text = keystrokes[len(keystrokes) // 2].split(" ", 1)[-1]
        start = time.perf_counter()
        sql(
            """SELECT a.id FROM addresses_address a JOIN addresses_street s ON s.id = a.street_id
            WHERE s.name || ' ' || s.commune_name ILIKE %s LIMIT 8""",
            [f"%{text}%"],
        )
        latencies.append(time.perf_counter() - start)
    print(f"naive (ILIKE scan, {NAIVE_QUERIES} queries): median {statistics.median(latencies) * 1e3:.0f} ms")
    return statistics.median(latencies)


def reverse_bench() -> None:
    """The address near a clicked point, for points a few metres off real addresses."""
    from addresses.selectors import address_nearest

    points = sql("SELECT ST_X(point) + 0.0003, ST_Y(point) FROM addresses_address ORDER BY random() LIMIT 500")
    latencies, found = [], 0
    for lon, lat in points:
        start = time.perf_counter()
        found += address_nearest(lon=lon, lat=lat, within_m=150) is not None
        latencies.append(time.perf_counter() - start)
    print(f"near (reverse), {len(points)} points ~25 m off an address: {percentiles(latencies)}; {found} described")


def main() -> None:
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}")
    database_prepare()
    if GROW:
        with tempfile.TemporaryDirectory() as folder:
            growth_bench(Path(FILES or folder), GROW)
        return
    if not REUSE:
        imports_bench()
    sequences = typed_sequences(random.Random(7))
    p95 = search_bench(sequences, in_commune=False)
    search_bench(sequences, in_commune=True)
    memory_p95 = prefix_floor(sequences)
    naive_median = naive(sequences)
    reverse_bench()
    print(
        f"ratios: p95 {p95 / memory_p95:,.0f}x the in-memory prefix floor; naive ILIKE median is "
        f"{naive_median / p95:,.1f}x our p95"
    )
    print(f"load average at end: {Path('/proc/loadavg').read_text().strip()}")


def imports_bench() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(FILES or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        files = import_files(folder)
        floor = sum(copy_floor(path) for path, _rows, _s in files)
        rows, seconds = sum(f[1] for f in files), sum(f[2] for f in files)
        print(
            f"import: {rows / seconds:,.0f} addresses/s; floor (bare COPY of the same files) {rows / floor:,.0f}/s, "
            f"ratio {seconds / floor:.1f}x the floor"
        )
    size = sizes()
    total = sum(size.values())
    trigram = sql("SELECT pg_relation_size('addresses_street_search_trgm')")[0][0]
    print(
        f"size for {rows:,} addresses: {mb(total)} ({total / rows:.0f} bytes/address); projected to "
        f"{COUNTRY / 1e6:.0f} million: {mb(total / rows * COUNTRY)} on disk, street trigram index "
        f"{mb(trigram / rows * COUNTRY)} to keep in RAM; "
        f"import {seconds / rows * COUNTRY / 60:.0f} min at the same rate"
    )


if __name__ == "__main__":
    main()
