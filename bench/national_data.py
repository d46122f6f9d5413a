"""The national population of the load test, generated in SQL in its own database.

On top of the national geography that `bench/lookup.py` loads (every commune, about 430,000
neighbourhoods, a police sector per commune and a police service per department): joined
communes (`Commune.adopted_on`), verified residents spread over their neighbourhoods in proportion
to area, one commune holding the broadcast's residents, police agents, moderators and a mayor.

Each resident table is filled by one INSERT ... SELECT from a staging table of homes
(`ST_GeneratePoints` inside each neighbourhood, ids drawn from the tables' own sequences), with
one precomputed password hash for everybody. Growing is additive and idempotent: asking for as
many residents as are present does nothing, asking for more adds only the missing ones."""

import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import User

DOMAIN = "national.vigie.invalid"
RESIDENT_EMAIL = f"habitant%@{DOMAIN}"
STAGING = "bench_national_home"


def sql(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def timed(label: str, function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return result, elapsed


def communes_join(count: int) -> None:
    """The first `count` metropolitan communes by code join: whole departments, as a rollout goes."""
    joined = sql("SELECT count(*) FROM zones_commune WHERE adopted_on IS NOT NULL")[0][0]
    if joined < count:
        sql(
            "UPDATE zones_commune SET adopted_on = current_date WHERE id IN ("
            " SELECT id FROM zones_commune WHERE code NOT LIKE '97%%' AND adopted_on IS NULL ORDER BY code LIMIT %s)",
            [count - joined],
        )


def broadcast_commune_id() -> int:
    """The joined commune of largest area: it holds the residents of the commune-wide broadcast."""
    return sql(
        "SELECT id FROM zones_commune WHERE adopted_on IS NOT NULL ORDER BY ST_Area(boundary) DESC, id LIMIT 1"
    )[0][0]


def residents_present(commune_id: int) -> tuple[int, int]:
    """(residents of the broadcast commune, residents elsewhere) already generated."""
    rows = dict(
        sql(
            "SELECT r.commune_id = %s, count(*) FROM accounts_residence r JOIN accounts_user u ON u.id = r.user_id"
            " WHERE u.email LIKE %s GROUP BY 1",
            [commune_id, RESIDENT_EMAIL],
        )
    )
    return rows.get(True, 0), rows.get(False, 0)


# Homes spread over the neighbourhoods of the joined communes in proportion to their area: the
# broadcast commune gets its own quota. Ids come from the target tables' sequences, so each table
# below is one INSERT ... SELECT from this staging table with no join back.
STAGING_SQL = """
    CREATE UNLOGGED TABLE {staging} AS
    WITH hoods AS (
        SELECT z.id, z.commune_id, z.boundary,
               CASE WHEN z.commune_id = %(big)s THEN %(big_quota)s ELSE %(other_quota)s END AS quota,
               ST_Area(z.boundary) / sum(ST_Area(z.boundary)) OVER (PARTITION BY z.commune_id = %(big)s) AS share
        FROM zones_zone z JOIN zones_commune c ON c.id = z.commune_id
        WHERE z.kind = 'neighbourhood' AND c.adopted_on IS NOT NULL
    ), counts AS (SELECT id, commune_id, boundary, round(quota * share)::int AS n FROM hoods)
    SELECT nextval(%(user_seq)s::regclass) AS user_id, nextval(%(residence_seq)s::regclass) AS residence_id,
           c.id AS zone_id, c.commune_id, d.geom AS home
    FROM counts c, LATERAL ST_Dump(ST_GeneratePoints(c.boundary, c.n, %(seed)s)) d
    WHERE c.n > 0
"""

RESIDENT_TABLES = [
    (
        "users",
        "accounts_user",
        ("user_id", "id"),
        """INSERT INTO accounts_user (id, password, is_superuser, email, display_name, is_active, is_staff,
                                      date_joined, email_confirmed_at, language)
           SELECT user_id, %(password)s, false, 'habitant' || user_id || '@{domain}', 'Habitant ' || user_id,
                  true, false, now(), now(), 'fr' FROM {staging}""",
    ),
    (
        "residences",
        "accounts_residence",
        ("residence_id", "id"),
        """INSERT INTO accounts_residence (id, address, home, status, decided_at, rejection_reason, commune_id,
                                           neighbourhood_id, user_id)
           SELECT residence_id, user_id || ' rue du Banc', home, 'verified', now(), '', commune_id, zone_id, user_id
           FROM {staging}""",
    ),
    (
        "neighbourhood memberships",
        "accounts_residenceneighbourhood",
        ("residence_id", "residence_id"),
        """INSERT INTO accounts_residenceneighbourhood (residence_id, zone_id)
           SELECT residence_id, zone_id FROM {staging}""",
    ),
    (
        "charter acceptances",
        "accounts_charteracceptance",
        ("user_id", "user_id"),
        """INSERT INTO accounts_charteracceptance (accepted_at, user_id, charter_id)
           SELECT now(), user_id, (SELECT max(id) FROM accounts_charterversion) FROM {staging}""",
    ),
    (
        "notification preferences",
        "alerts_notificationpreference",
        ("user_id", "user_id"),
        """INSERT INTO alerts_notificationpreference (by_email, by_sms, by_push, phone_number, prevention_notices,
                                                      user_id)
           SELECT true, false, false, '', true, user_id FROM {staging}""",
    ),
]


def residents_generate(*, residents: int, broadcast: int, seed: int) -> dict:
    """Add the missing residents; returns rows added and seconds per table."""
    big = broadcast_commune_id()
    in_big, elsewhere = residents_present(big)
    big_quota, other_quota = max(0, broadcast - in_big), max(0, residents - broadcast - elsewhere)
    timings: dict[str, float] = {}
    if sql(f"SELECT to_regclass('{STAGING}')")[0][0] is None:
        if big_quota + other_quota < max(100, residents // 100):  # rounding leftovers
            return {"added": 0, "timings": timings}
        _, timings["homes (ST_GeneratePoints)"] = timed(
            "homes", sql, STAGING_SQL.format(staging=STAGING), _staging_params(big, big_quota, other_quota, seed)
        )
    added = sql(f"SELECT count(*) FROM {STAGING}")[0][0]
    password = make_password("national-bench")
    for label, table, (staged, column), statement in RESIDENT_TABLES:
        last = sql(f"SELECT max({staged}) FROM {STAGING}")[0][0]
        if sql(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = %s)", [last])[0][0]:
            continue  # this table was filled before an interruption
        _, timings[label] = timed(label, sql, statement.format(staging=STAGING, domain=DOMAIN), {"password": password})
    sql(f"DROP TABLE {STAGING}")
    sql(f"ANALYZE {', '.join(table for _, table, _, _ in RESIDENT_TABLES)}")
    return {"added": added, "timings": timings}


def _staging_params(big: int, big_quota: int, other_quota: int, seed: int) -> dict:
    return {
        "big": big,
        "big_quota": big_quota,
        "other_quota": other_quota,
        "seed": seed,
        "user_seq": sql("SELECT pg_get_serial_sequence('accounts_user', 'id')")[0][0],
        "residence_seq": sql("SELECT pg_get_serial_sequence('accounts_residence', 'id')")[0][0],
    }


STAFF_SQL = """
    WITH services AS (
        SELECT DISTINCT z.police_service_id AS id FROM zones_zone z JOIN zones_commune c ON c.id = z.commune_id
        WHERE z.kind = 'police_sector' AND c.adopted_on IS NOT NULL
    ), numbered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total FROM services),
    people AS (
        INSERT INTO accounts_user (password, is_superuser, email, display_name, is_active, is_staff, date_joined,
                                   email_confirmed_at, language)
        SELECT %(password)s, false, kind || i || '@{domain}', kind || ' ' || i, true, false, now(), now(), 'fr'
        FROM (SELECT 'agent' AS kind, generate_series(0, %(agents)s - 1) AS i
              UNION ALL SELECT 'moderateur', generate_series(0, %(moderators)s - 1)
              UNION ALL SELECT 'maire', 0) p
        RETURNING id, email
    ), devices AS (
        INSERT INTO otp_totp_totpdevice (name, confirmed, key, step, t0, digits, tolerance, drift, last_t, user_id,
                                         throttling_failure_count, created_at)
        SELECT 'banc', true, md5(email) || '00000000', 30, 0, 6, 1, 0, -1, id, 0, now() FROM people
    )
    INSERT INTO accounts_role (kind, can_verify_residents, commune_id, police_service_id, user_id)
    SELECT 'police_agent', false, NULL, s.id, p.id FROM people p JOIN numbered s
      ON p.email LIKE 'agent%%' AND s.n = split_part(substr(p.email, 6), '@', 1)::int %% s.total
    UNION ALL
    SELECT 'moderator', false, c.id, NULL, p.id FROM people p JOIN zones_commune c
      ON p.email LIKE 'moderateur%%' AND c.adopted_on IS NOT NULL
    UNION ALL
    SELECT 'mayor', false, %(big)s, NULL, p.id FROM people p WHERE p.email LIKE 'maire%%'
"""


def staff_generate(*, agents: int, moderators: int) -> bool:
    """Police agents spread over the police services of the joined communes, moderators of every
    joined commune, the broadcast commune's mayor; each with a confirmed second factor."""
    if sql("SELECT EXISTS (SELECT 1 FROM accounts_user WHERE email = %s)", [f"maire0@{DOMAIN}"])[0][0]:
        return False
    sql(
        STAFF_SQL.format(domain=DOMAIN),
        {
            "password": make_password("national-bench"),
            "agents": agents,
            "moderators": moderators,
            "big": broadcast_commune_id(),
        },
    )
    return True


def sessions_create(*, emails_like: str, limit: int, every: int = 1) -> list[str]:
    """Signed-in sessions (past the second factor for staff) for up to `limit` people, as a login
    would leave them; returns their session keys in the order of the people's ids."""
    people = sql(
        "SELECT u.id, u.password, d.persistent_id FROM accounts_user u"
        " LEFT JOIN (SELECT user_id, 'otp_totp.totpdevice/' || min(id) AS persistent_id"
        "            FROM otp_totp_totpdevice GROUP BY user_id) d ON d.user_id = u.id"
        " WHERE u.email LIKE %s AND u.id %% %s = 0 ORDER BY u.id LIMIT %s",
        [emails_like, every, limit],
    )
    expire = timezone.now() + timezone.timedelta(hours=6)
    rows = []
    for user_id, password, persistent_id in people:
        store = SessionStore()
        data = {
            SESSION_KEY: str(user_id),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: User(password=password).get_session_auth_hash(),
        }
        if persistent_id:
            data[DEVICE_ID_SESSION_KEY] = persistent_id
        rows.append(
            Session(session_key=store._get_new_session_key(), session_data=store.encode(data), expire_date=expire)
        )
    Session.objects.bulk_create(rows, batch_size=5_000)
    return [row.session_key for row in rows]


PENDING_SQL = """
    INSERT INTO alerts_alert (location, occurred_at, description, status, follow_up, created_at, commune_id,
                              category_id)
    SELECT r.home, now(), 'Véhicule dégradé devant le n° ' || r.id || ' (banc national).', 'pending', 'none', now(),
           r.commune_id, (SELECT id FROM alerts_alertcategory WHERE code = %(category)s)
    FROM (SELECT home, commune_id, id FROM accounts_residence WHERE commune_id = ANY(%(communes)s)
          ORDER BY id DESC LIMIT %(count)s) r
    RETURNING id
"""


def pending_alerts_create(*, count: int, category: str = "degradation", commune_id: int | None = None) -> list[int]:
    """Alerts waiting for moderation at residents' homes: what the moderators publish during the run."""
    communes = [commune_id] if commune_id else [row[0] for row in sql(_JOINED_SAMPLE)]
    with transaction.atomic():
        return [row[0] for row in sql(PENDING_SQL, {"category": category, "communes": communes, "count": count})]


_JOINED_SAMPLE = "SELECT id FROM zones_commune WHERE adopted_on IS NOT NULL ORDER BY random() LIMIT 200"


def sessions_delete(keys: list[str]) -> None:
    Session.objects.filter(session_key__in=keys).delete()


def sizes() -> dict:
    """Disk size of the resident tables (with their indexes) and of the whole database."""
    tables = [table for _, table, _, _ in RESIDENT_TABLES]
    rows = sql(
        "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
        [tables],
    )
    return {
        "tables_mb": round(sum(size for _, size in rows) / 2**20),
        "database_mb": round(sql("SELECT pg_database_size(current_database())")[0][0] / 2**20),
    }
