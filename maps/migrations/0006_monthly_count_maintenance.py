"""The monthly counts kept by the database, in the transaction of every write that moves them.

Statement-level triggers with transition tables: one aggregated upsert per statement, however many
rows it wrote (a 100,000-row crime import is one INSERT ... SELECT, hence one upsert). Concurrent
publications in the same cell add to the same row under its row lock (INSERT ... ON CONFLICT DO
UPDATE: no lost update); a recount of a commune (its zones or outline changed) holds an advisory lock
on it that writers of its events share, so no count is added twice or lost beside it, and the other
communes are not held up.

The SQL is frozen here, as a migration must be: the time zones of overseas communes and the zone
kinds are copied from zones.timezones and Zone.Kind, and a test fails if they drift apart. Every SQL
string is assembled from the constant fragments of this file (S608 does not apply); values are the
rows of the transition tables."""

# ruff: noqa: S608
from django.db import migrations

KINDS = "ARRAY['neighbourhood', 'police_sector']::text[]"
# First key of the advisory locks on a commune's counts (the second is the commune's id).
LOCK_CLASS = "1717"

TIME_ZONE_SQL = """
CREATE FUNCTION maps_commune_time_zone(code text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE left(code, 3)
        WHEN '971' THEN 'America/Guadeloupe' WHEN '972' THEN 'America/Martinique'
        WHEN '973' THEN 'America/Cayenne' WHEN '974' THEN 'Indian/Reunion'
        WHEN '975' THEN 'America/Miquelon' WHEN '976' THEN 'Indian/Mayotte'
        WHEN '977' THEN 'America/St_Barthelemy' WHEN '978' THEN 'America/Marigot'
        WHEN '986' THEN 'Pacific/Wallis' WHEN '987' THEN 'Pacific/Tahiti'
        WHEN '988' THEN 'Pacific/Noumea' ELSE 'Europe/Paris' END
$$;
CREATE TYPE maps_statistics_event AS (
    commune_id bigint, source text, family_key text, category text, month date, location geometry,
    cell_key integer, sign integer
);
"""


def alert_events(rows: str, sign: int) -> str:
    """The published alerts of `rows` as statistics events: month of the commune's local time."""
    return f"""
        SELECT ROW(a.commune_id, 'alerts', a.category_id::text, '',
                   (date_trunc('month', a.occurred_at AT TIME ZONE maps_commune_time_zone(c.code)))::date,
                   a.location, a.cell_key, {sign})::maps_statistics_event
        FROM {rows} a JOIN zones_commune c ON c.id = a.commune_id
        WHERE a.status = 'published'"""


def crime_events(rows: str, sign: int) -> str:
    """The located police.uk crimes of `rows` as statistics events."""
    return f"""
        SELECT ROW(r.commune_id, 'police-uk', r.family, r.category, r.month, r.location, r.cell_key,
                   {sign})::maps_statistics_event
        FROM {rows} r
        WHERE r.source = 'police-uk' AND r.commune_id IS NOT NULL AND r.location IS NOT NULL"""


# Each event counts in the whole commune (kind ''), in every zone in force of the kinds asked that
# covers it (ST_Covers: a point on a shared border counts in both), and outside every zone of a kind
# when strictly inside the commune and covered by none: the same predicates as the scans they replace.
ADD_SQL = """
CREATE FUNCTION maps_monthlycount_add(p_events maps_statistics_event[], p_kinds text[], p_commune boolean)
RETURNS void LANGUAGE plpgsql
-- A commune's 100,000 events grouped in memory (the default 4 MB sorted them on disk), and no JIT
-- compilation of plans whose PostGIS costs cross its thresholds.
SET work_mem = '64MB' SET jit = off AS $$
BEGIN
    -- A recount of a commune holds its lock exclusively: it waits for the writers of its events in
    -- progress, and they for it. A recount starts by locking the commune's row or a zone's (a redrawing
    -- locks the zone it replaces), which the writer's foreign keys need at its commit: the writer takes
    -- those rows first, in the same order, so the two wait for each other in one order, never in a cycle.
    PERFORM 1 FROM zones_commune WHERE id IN (SELECT commune_id FROM unnest(p_events)) ORDER BY id FOR KEY SHARE;
    PERFORM 1 FROM zones_zone WHERE commune_id IN (SELECT commune_id FROM unnest(p_events)) AND valid_until IS NULL
    ORDER BY id FOR KEY SHARE;
    PERFORM pg_advisory_xact_lock_shared(LOCK_CLASS, commune_id::integer)
    FROM (SELECT DISTINCT commune_id FROM unnest(p_events) ORDER BY 1) communes;
    WITH ev AS (SELECT * FROM unnest(p_events)),
    cells AS (
        SELECT ev.commune_id, ev.source, ''::text AS kind, NULL::bigint AS zone_id, ev.month, ev.family_key,
               ev.category, ev.sign, ev.cell_key
        FROM ev WHERE p_commune
        UNION ALL
        SELECT ev.commune_id, ev.source, z.kind, z.id, ev.month, ev.family_key, ev.category, ev.sign, ev.cell_key
        FROM ev JOIN zones_zone z
          ON z.commune_id = ev.commune_id AND z.kind = ANY(p_kinds) AND z.valid_until IS NULL
         AND z.boundary && ev.location AND ST_Covers(z.boundary, ev.location)
        UNION ALL
        SELECT ev.commune_id, ev.source, k.kind, NULL, ev.month, ev.family_key, ev.category, ev.sign, ev.cell_key
        FROM ev JOIN zones_commune c ON c.id = ev.commune_id CROSS JOIN unnest(p_kinds) k(kind)
        WHERE ST_Contains(c.boundary, ev.location) AND NOT EXISTS (
            SELECT 1 FROM zones_zone z
            WHERE z.commune_id = ev.commune_id AND z.kind = k.kind AND z.valid_until IS NULL
              AND z.boundary && ev.location AND ST_Covers(z.boundary, ev.location))
    )
    INSERT INTO maps_monthlycount AS m
        (commune_id, source, kind, zone_id, month, family_key, category, events, cell_key_sum)
    SELECT commune_id, source, kind, zone_id, month, family_key, category, sum(sign), sum(sign * cell_key)
    FROM cells GROUP BY 1, 2, 3, 4, 5, 6, 7
    -- Rows locked in one order by every writer: two statements cannot wait on each other.
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT ON CONSTRAINT maps_monthlycount_cell DO UPDATE
    SET events = m.events + excluded.events, cell_key_sum = m.cell_key_sum + excluded.cell_key_sum;
END $$;
""".replace("LOCK_CLASS", LOCK_CLASS)

RECOUNT_SQL = f"""
CREATE FUNCTION maps_monthlycount_recount(p_commune bigint, p_kinds text[], p_commune_rows boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, p_commune::integer);
    DELETE FROM maps_monthlycount
    WHERE commune_id = p_commune AND (kind = ANY(p_kinds) OR (p_commune_rows AND kind = ''));
    PERFORM maps_monthlycount_add(
        ARRAY({alert_events("(SELECT * FROM alerts_alert WHERE commune_id = p_commune)", 1)}),
        p_kinds, p_commune_rows);
    PERFORM maps_monthlycount_add(
        ARRAY({crime_events("(SELECT * FROM maps_recordedcrime WHERE commune_id = p_commune)", 1)}),
        p_kinds, p_commune_rows);
END $$;
"""


def _changed(columns: str, side: str = "o") -> str:
    """The rows of an UPDATE (before: side "o", after: "n") whose `columns` changed."""
    return (
        f"(SELECT {side}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
        f"WHERE ({', '.join('o.' + c for c in columns.split())}) IS DISTINCT FROM "
        f"({', '.join('n.' + c for c in columns.split())}))"
    )


# The transition tables each trigger sees.
REFERENCES = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}

ALERT_COLUMNS = "status category_id commune_id occurred_at location cell_key"
CRIME_COLUMNS = "source family category month commune_id location cell_key"


def _table_triggers(table: str, events, columns: str) -> str:
    name = f"maps_monthlycount_{table}"
    changes = f"{events(_changed(columns), -1)} UNION ALL {events(_changed(columns, 'n'), 1)}"
    bodies = {
        "insert": events("new_rows", 1),
        "delete": events("old_rows", -1),
        "update": changes,
    }
    return "".join(
        f"""
CREATE FUNCTION {name}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM maps_monthlycount_add(ARRAY({body}), {KINDS}, true);
    RETURN NULL;
END $$;
CREATE TRIGGER {name}_{op} AFTER {op.upper()} ON {table} REFERENCING {REFERENCES[op]}
FOR EACH STATEMENT EXECUTE FUNCTION {name}_{op}();
"""
        for op, body in bodies.items()
    )


def _recount_triggers(table: str, affected: dict[str, str]) -> str:
    return "".join(
        f"""
CREATE FUNCTION maps_monthlycount_{table}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN {query} LOOP
        PERFORM maps_monthlycount_recount(r.commune_id, r.kinds, r.commune_rows);
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER maps_monthlycount_{table}_{op} AFTER {op.upper()} ON {table} REFERENCING {REFERENCES[op]}
FOR EACH STATEMENT EXECUTE FUNCTION maps_monthlycount_{table}_{op}();
"""
        for op, query in affected.items()
    )


ZONE_COLUMNS = "commune_id kind boundary valid_until"
# A zone in force added, retired, redrawn or removed: its commune's rows of its kind are counted again.
ZONES = {
    "insert": "SELECT DISTINCT commune_id, ARRAY[kind] AS kinds, false AS commune_rows FROM new_rows "
    "WHERE valid_until IS NULL ORDER BY 1",
    "delete": "SELECT DISTINCT commune_id, ARRAY[kind] AS kinds, false AS commune_rows FROM old_rows "
    "WHERE valid_until IS NULL ORDER BY 1",
    "update": f"SELECT DISTINCT commune_id, ARRAY[kind] AS kinds, false AS commune_rows FROM ("
    f"SELECT commune_id, kind FROM {_changed(ZONE_COLUMNS)} c UNION ALL "
    f"SELECT commune_id, kind FROM {_changed(ZONE_COLUMNS, 'n')} d) e ORDER BY 1",
}
# A commune's outline decides "outside every zone"; its code decides its time zone, hence its months.
COMMUNES = {
    "update": f"SELECT id AS commune_id, {KINDS} AS kinds, true AS commune_rows FROM "
    f"{_changed('code boundary', 'n')} c ORDER BY 1",
}

DELETE_COMMUNE_SQL = """
CREATE FUNCTION maps_monthlycount_zones_commune_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM maps_monthlycount WHERE commune_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER maps_monthlycount_zones_commune_delete AFTER DELETE ON zones_commune
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION maps_monthlycount_zones_commune_delete();
"""

# The counts of the data already there.
FILL_SQL = f"""
SELECT maps_monthlycount_recount(id, {KINDS}, true) FROM zones_commune
WHERE id IN (SELECT commune_id FROM alerts_alert WHERE status = 'published'
             UNION SELECT commune_id FROM maps_recordedcrime WHERE source = 'police-uk');
"""

FORWARD = (
    TIME_ZONE_SQL
    + ADD_SQL
    + RECOUNT_SQL
    + _table_triggers("alerts_alert", alert_events, ALERT_COLUMNS)
    + _table_triggers("maps_recordedcrime", crime_events, CRIME_COLUMNS)
    + _recount_triggers("zones_zone", ZONES)
    + _recount_triggers("zones_commune", COMMUNES)
    + DELETE_COMMUNE_SQL
    + FILL_SQL
)

BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS maps_monthlycount_{table}_{op} ON {table};"
    f"DROP FUNCTION IF EXISTS maps_monthlycount_{table}_{op}();"
    for table in ("alerts_alert", "maps_recordedcrime", "zones_zone", "zones_commune")
    for op in ("insert", "update", "delete")
) + (
    "DROP FUNCTION maps_monthlycount_recount(bigint, text[], boolean);"
    "DROP FUNCTION maps_monthlycount_add(maps_statistics_event[], text[], boolean);"
    "DROP TYPE maps_statistics_event; DROP FUNCTION maps_commune_time_zone(text);"
)


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0005_monthly_counts"),
        ("alerts", "0012_merge_offline_composition"),
        ("zones", "0004_merge_versions_and_stations"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
