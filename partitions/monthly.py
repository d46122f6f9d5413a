"""Tables partitioned by month with PostgreSQL's declarative partitioning.

A partitioned table has a `date` column holding the first day of a month (UTC) and one partition per
month, `<table>_p2026_11`, plus `<table>_default`, which catches a row whose month has no partition
yet so that no insert ever fails; maintenance moves such rows into their own partition and says so.
Old months go a whole partition at a time: `DETACH` then `DROP`, a catalogue change whose cost does
not depend on the number of rows, where a `DELETE` would write every row it removes.

`DETACH PARTITION CONCURRENTLY` is refused while a default partition exists (PostgreSQL 15), so the
detach takes its brief exclusive lock on the parent under a `lock_timeout`: if a long query holds
the table, the drop gives up at once, blocks nobody, and is tried again by the next run. The detach
commits on its own; the `DROP` that follows, whose file removal grows with the month's size, locks
only the detached month."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import OperationalError, connection, transaction
from psycopg import errors, sql

logger = logging.getLogger(__name__)

# How long making or dropping a month may wait for the table's readers and writers before trying again.
TABLE_LOCK_TIMEOUT = "2s"


def month_of(moment: datetime) -> date:
    """The month (its first day, in UTC) a moment belongs to."""
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def current_month() -> date:
    """The month now, in UTC: the default of a row that is written now."""
    return month_of(datetime.now(UTC))


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y_%m}"


def default_partition_name(table: str) -> str:
    return f"{table}_default"


@dataclass(frozen=True)
class MonthlyTable:
    """A table partitioned by month on `column`."""

    name: str
    column: str


@dataclass
class MaintenanceReport:
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # Rows found in a default partition, by table and month, before they were moved out.
    defaulted: dict[str, dict[date, int]] = field(default_factory=dict)
    # Months that could not be made or dropped this time (the lock was not granted in time).
    postponed: list[str] = field(default_factory=list)
    # Partitioned tables whose statistics over all their months were gathered again.
    analysed: list[str] = field(default_factory=list)

    def add(self, other: "MaintenanceReport") -> None:
        self.created += other.created
        self.dropped += other.dropped
        self.defaulted.update(other.defaulted)
        self.postponed += other.postponed
        self.analysed += other.analysed


def partition_months(table: str) -> list[date]:
    """The months that have a partition of their own, oldest first."""
    prefix = f"{table}_p"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits i
            JOIN pg_class parent ON parent.oid = i.inhparent
            JOIN pg_class child ON child.oid = i.inhrelid
            WHERE parent.relname = %s AND parent.relnamespace = 'public'::regnamespace
            """,
            [table],
        )
        names = [name for (name,) in cursor.fetchall() if name.startswith(prefix)]
    return sorted(datetime.strptime(name[len(prefix) :], "%Y_%m").date() for name in names)


def _partition_create_sql(table: str, month: date) -> sql.Composed:
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM (%s) TO (%s)").format(
        sql.Identifier(partition_name(table, month)), sql.Identifier(table)
    )


def default_partition_months(monthly: MonthlyTable) -> dict[date, int]:
    """Rows that landed in the default partition, counted by month: none when partitions are made ahead."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT {column}, count(*) FROM {default} GROUP BY 1 ORDER BY 1").format(
                column=sql.Identifier(monthly.column), default=sql.Identifier(default_partition_name(monthly.name))
            )
        )
        return dict(cursor.fetchall())


@transaction.atomic
def partition_create(monthly: MonthlyTable, month: date) -> bool:
    """Give `month` its partition; rows of that month waiting in the default partition are moved into
    it in the same transaction. False if it existed."""
    if month in partition_months(monthly.name):
        return False
    default = sql.Identifier(default_partition_name(monthly.name))
    table, column = sql.Identifier(monthly.name), sql.Identifier(monthly.column)
    bounds = [month, month_add(month, 1)]
    with connection.cursor() as cursor:
        # Creating a partition locks the whole table too: never queue behind a long reader.
        _lock_timeout_set(cursor)
        cursor.execute(
            sql.SQL("SELECT 1 FROM {} WHERE {} >= %s AND {} < %s LIMIT 1").format(default, column, column), bounds
        )
        if cursor.fetchone() is None:
            cursor.execute(_partition_create_sql(monthly.name, month), bounds)
            return True
        # PostgreSQL refuses a partition whose rows sit in the default one: take the default out, make
        # the partition, move the rows, put the default back.
        cursor.execute(sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(table, default))
        cursor.execute(_partition_create_sql(monthly.name, month), bounds)
        moved = sql.SQL("DELETE FROM {} WHERE {} >= %s AND {} < %s RETURNING *").format(default, column, column)
        cursor.execute(sql.SQL("WITH moved AS ({}) INSERT INTO {} SELECT * FROM moved").format(moved, table), bounds)
        cursor.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} DEFAULT").format(table, default))
    return True


def _lock_timeout_set(cursor) -> None:
    cursor.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(TABLE_LOCK_TIMEOUT)))


def _is_lock_timeout(error: OperationalError) -> bool:
    return isinstance(error.__cause__, errors.LockNotAvailable)


def partition_detach(monthly: MonthlyTable, month: date) -> bool:
    """Take a month out of the table, in a transaction of its own, the only step that locks the whole
    table; False, having waited no longer than TABLE_LOCK_TIMEOUT, if the lock was not granted."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _lock_timeout_set(cursor)
            cursor.execute(
                sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(
                    sql.Identifier(monthly.name), sql.Identifier(partition_name(monthly.name, month))
                )
            )
    except OperationalError as error:
        if not _is_lock_timeout(error):
            raise
        logger.warning("partition %s not detached this time: %s", partition_name(monthly.name, month), error)
        return False
    return True


def detached_months(table: str) -> list[date]:
    """Months taken out of the table and not dropped yet (a drop that failed is finished next time)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND NOT relispartition "
            "AND relnamespace = 'public'::regnamespace AND relname ~ %s",
            [f"^{table}_p[0-9]{{4}}_[0-9]{{2}}$"],
        )
        names = [name for (name,) in cursor.fetchall()]
    return sorted(datetime.strptime(name[-7:], "%Y_%m").date() for name in names)


def partitions_drop_before(monthly: MonthlyTable, month: date) -> tuple[list[str], list[str]]:
    """Drop the partitions of months before `month`, oldest first: each is detached in its own short
    transaction, then dropped, which removes its files while locking that month alone. Returns the
    tables dropped and those postponed because the table's lock was not granted in time."""
    postponed = [
        partition_name(monthly.name, old)
        for old in partition_months(monthly.name)
        if old < month and not partition_detach(monthly, old)
    ]
    dropped = []
    for old in [m for m in detached_months(monthly.name) if m < month]:
        name = partition_name(monthly.name, old)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
        dropped.append(name)
    return dropped, postponed


def monthly_table_maintain(
    monthly: MonthlyTable, *, months_ahead: int, keep_months: int | None, today: date | None = None
) -> MaintenanceReport:
    """Partitions from this month to `months_ahead` months later, rows of the default partition moved
    to theirs (and reported), and partitions older than `keep_months` months dropped (None: kept)."""
    this_month = month_of(datetime.now(UTC)) if today is None else today.replace(day=1)
    report = MaintenanceReport()
    defaulted = default_partition_months(monthly)
    if defaulted:
        logger.error("rows of %s landed in its default partition: %s", monthly.name, defaulted)
        report.defaulted[monthly.name] = defaulted
    wanted = {month_add(this_month, ahead) for ahead in range(months_ahead + 1)} | set(defaulted)
    for month in sorted(wanted):
        try:
            if partition_create(monthly, month):
                report.created.append(partition_name(monthly.name, month))
        except OperationalError as error:
            if not _is_lock_timeout(error):
                raise
            logger.warning("partition %s not created this time: %s", partition_name(monthly.name, month), error)
            report.postponed.append(partition_name(monthly.name, month))
    if keep_months is not None:
        report.dropped, report.postponed = partitions_drop_before(monthly, month_add(this_month, -keep_months))
    table_analyse(monthly)
    report.analysed.append(monthly.name)
    return report


def table_analyse(monthly: MonthlyTable) -> None:
    """Statistics of the whole partitioned table, which the planner uses for a join over several months
    and which autovacuum never gathers (it analyses each month's partition, never their parent). The
    sample is ANALYZE's usual 30,000 rows per table, whatever their size."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(monthly.name)))
