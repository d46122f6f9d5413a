"""A statement that touches the counts of many communes at once takes one lock, not one per commune.

Migration 0006 took an advisory lock per commune, which is right for a publication or a zone redraw
but not for a national import: a statement inserting the neighbourhoods of 34,867 communes asked for
34,867 locks in one transaction, and PostgreSQL's lock table (`max_locks_per_transaction` × connections,
6,400 by default) ran out ("out of shared memory"), so the import failed.

Locks now come in two levels. Every writer of events and every recount holds the whole counts' lock
(class 1716) in shared mode, then its communes' locks (class 1717) as before. A statement touching more
than `BULK_COMMUNES` communes instead takes the whole counts' lock exclusively: it waits for the writers
in progress and they for it, as one commune's recount does for its own writers, and it marks the
transaction (`vigie.monthly_counts_locked`) so the recounts and additions it runs take no further lock.
Both levels are taken in one order (the whole, then communes by id) after the rows locked by 0006.

A recount also returns at once for a commune with no events and no counts: inserting the
neighbourhoods of every commune of France spent several minutes counting nothing 34,867 times."""

# ruff: noqa: S608
from importlib import import_module

from django.db import migrations

frozen = import_module("maps.migrations.0006_monthly_count_maintenance")

BULK_COMMUNES = 256
ALL = "1716"

LOCK_SQL = f"""
CREATE FUNCTION maps_monthlycount_lock(p_communes bigint[], p_exclusive boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE communes bigint[] := ARRAY(SELECT DISTINCT c FROM unnest(p_communes) c WHERE c IS NOT NULL ORDER BY 1);
BEGIN
    IF current_setting('vigie.monthly_counts_locked', true) = 'on' THEN
        RETURN;
    END IF;
    IF cardinality(communes) > {BULK_COMMUNES} THEN
        PERFORM pg_advisory_xact_lock({ALL}, 0);
        PERFORM set_config('vigie.monthly_counts_locked', 'on', true);
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared({ALL}, 0);
    IF p_exclusive THEN
        PERFORM pg_advisory_xact_lock({frozen.LOCK_CLASS}, c::integer) FROM unnest(communes) c;
    ELSE
        PERFORM pg_advisory_xact_lock_shared({frozen.LOCK_CLASS}, c::integer) FROM unnest(communes) c;
    END IF;
END $$;
"""

ADD_SQL = frozen.ADD_SQL.replace(
    f"""PERFORM pg_advisory_xact_lock_shared({frozen.LOCK_CLASS}, commune_id::integer)
    FROM (SELECT DISTINCT commune_id FROM unnest(p_events) ORDER BY 1) communes;""",
    "PERFORM maps_monthlycount_lock(ARRAY(SELECT commune_id FROM unnest(p_events)), false);",
)

RECOUNT_SQL = frozen.RECOUNT_SQL.replace(
    f"PERFORM pg_advisory_xact_lock({frozen.LOCK_CLASS}, p_commune::integer);",
    """PERFORM maps_monthlycount_lock(ARRAY[p_commune], true);
    -- Nothing to count again in a commune without events or counts (most of a national import of
    -- zones): once its lock is held, no writer of a first event is in progress beside.
    IF NOT EXISTS (SELECT 1 FROM alerts_alert WHERE commune_id = p_commune AND status = 'published')
       AND NOT EXISTS (SELECT 1 FROM maps_recordedcrime WHERE commune_id = p_commune AND source = 'police-uk')
       AND NOT EXISTS (SELECT 1 FROM maps_monthlycount WHERE commune_id = p_commune) THEN
        RETURN;
    END IF;""",
)

assert ADD_SQL != frozen.ADD_SQL and RECOUNT_SQL != frozen.RECOUNT_SQL, "0006's lock statements moved"


def _recount_functions(table: str, affected: dict[str, str], *, lock_first: bool) -> str:
    """0006's recount triggers' functions; with `lock_first`, each first locks every commune its
    statement touched, at once."""
    lock = "PERFORM maps_monthlycount_lock(ARRAY(SELECT q.commune_id FROM ({query}) q), true);" if lock_first else ""
    return "".join(
        f"""
CREATE OR REPLACE FUNCTION maps_monthlycount_{table}_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    {lock.format(query=query)}
    FOR r IN {query} LOOP
        PERFORM maps_monthlycount_recount(r.commune_id, r.kinds, r.commune_rows);
    END LOOP;
    RETURN NULL;
END $$;
"""
        for op, query in affected.items()
    )


def _migration_sql(*, new: bool) -> str:
    add, recount = (ADD_SQL, RECOUNT_SQL) if new else (frozen.ADD_SQL, frozen.RECOUNT_SQL)
    return (
        (LOCK_SQL if new else "")
        + add.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        + recount.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        + _recount_functions("zones_zone", frozen.ZONES, lock_first=new)
        + _recount_functions("zones_commune", frozen.COMMUNES, lock_first=new)
        + ("" if new else "DROP FUNCTION maps_monthlycount_lock(bigint[], boolean);")
    )


class Migration(migrations.Migration):
    dependencies = [("maps", "0006_monthly_count_maintenance")]

    operations = [migrations.RunSQL(_migration_sql(new=True), _migration_sql(new=False))]
