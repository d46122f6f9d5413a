"""The monthly counts (`MonthlyCount`) counted again from the events, with what differed.

The database keeps them in the transaction of every write (maps migration 0006); this rebuild is the
check and the repair: after a restore, a bulk load with triggers disabled, or a change of the time
zones or zone kinds its SQL copies. It locks the table against writers for its transaction, so
publications wait for it instead of being counted twice or lost."""

from dataclasses import dataclass, field

from django.db import connection, transaction

KEY_COLUMNS = ("commune_id", "source", "kind", "zone_id", "month", "family_key", "category")

_SNAPSHOT = """
    CREATE TEMP TABLE monthly_counts_before ON COMMIT DROP AS
    SELECT commune_id, source, kind, zone_id, month, family_key, category, events, cell_key_sum
    FROM maps_monthlycount WHERE events <> 0 OR cell_key_sum <> 0"""

# Every commune with an event, each counted again by the same SQL function the triggers use.
_RECOUNT = """
    SELECT maps_monthlycount_recount(id, ARRAY['neighbourhood', 'police_sector'], true) FROM zones_commune
    WHERE id IN (SELECT commune_id FROM alerts_alert WHERE status = 'published'
                 UNION SELECT commune_id FROM maps_recordedcrime WHERE source = 'police-uk')"""

# Rows kept and rows counted side by side (GROUP BY, unlike a join, takes NULL zones and months as equal).
_DIFFERENCES = f"""
    SELECT {", ".join(KEY_COLUMNS)},
           coalesce(sum(events) FILTER (WHERE kept), 0), coalesce(sum(events) FILTER (WHERE NOT kept), 0),
           coalesce(sum(cell_key_sum) FILTER (WHERE kept), 0), coalesce(sum(cell_key_sum) FILTER (WHERE NOT kept), 0)
    FROM (SELECT true AS kept, * FROM monthly_counts_before
          UNION ALL
          SELECT false, {", ".join(KEY_COLUMNS)}, events, cell_key_sum FROM maps_monthlycount
          WHERE events <> 0 OR cell_key_sum <> 0) rows
    GROUP BY {", ".join(KEY_COLUMNS)}
    HAVING (sum(events) FILTER (WHERE kept), sum(cell_key_sum) FILTER (WHERE kept))
           IS DISTINCT FROM (sum(events) FILTER (WHERE NOT kept), sum(cell_key_sum) FILTER (WHERE NOT kept))
    ORDER BY {", ".join(KEY_COLUMNS)}"""  # noqa: S608 - only the column names above


@dataclass
class RebuildReport:
    rows: int = 0
    # (commune, source, kind, zone, month, family key, type, events kept, events counted, key sum kept,
    # key sum counted) for every row that was wrong, missing or left over.
    differences: list[tuple] = field(default_factory=list)
    committed: bool = False


@transaction.atomic
def monthly_counts_rebuild(*, commit: bool) -> RebuildReport:
    """Counts every commune's monthly counts again from its events; keeps them only with `commit`."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("LOCK TABLE maps_monthlycount IN SHARE ROW EXCLUSIVE MODE")
        # Dropped explicitly too: inside an outer transaction ON COMMIT DROP happens only later.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.monthly_counts_before")
        cursor.execute(_SNAPSHOT)
        cursor.execute("DELETE FROM maps_monthlycount")
        # Every commune at once: one lock for the whole counts once there are many (maps migration 0007).
        cursor.execute("SELECT maps_monthlycount_lock(ARRAY(SELECT id FROM zones_commune), true)")
        cursor.execute(_RECOUNT)
        cursor.execute(_DIFFERENCES)
        report = RebuildReport(differences=cursor.fetchall(), committed=commit)
        cursor.execute("SELECT count(*) FROM maps_monthlycount WHERE events <> 0")
        report.rows = cursor.fetchone()[0]
    if not commit:
        transaction.set_rollback(True)
    return report
