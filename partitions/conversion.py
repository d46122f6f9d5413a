"""Turning an existing table into one partitioned by month, and back, with its rows: used by migrations.

The table is renamed aside, a partitioned twin is created `LIKE` it (columns, defaults, checks), with a
partition for every month its rows fall in and a few ahead, the rows are copied in one
`INSERT ... SELECT`, and only then are the primary key, indexes and foreign keys built (faster than
maintaining them row by row). PostgreSQL 15 allows no identity column on a partitioned table, so the
id takes its values from a sequence owned by the column, started after the highest id ever given:
ids stay unique across partitions because every partition draws from that one sequence, while the
primary key (unique indexes must hold the partition key) is (id, month)."""

from datetime import date

from psycopg import sql

from partitions.monthly import current_month, default_partition_name, month_add, partition_name

MONTHS_CREATED_AHEAD = 3


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum",
        [table],
    )
    return [name for (name,) in cursor.fetchall()]


def _next_id(cursor, table: str) -> int:
    """One past the highest id the table ever gave (its sequence may be ahead of its rows)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute(
        sql.SQL("SELECT greatest((SELECT max(id) FROM {}), (SELECT last_value FROM {}))").format(
            sql.Identifier(table), sql.SQL(sequence)
        )
    )
    return (cursor.fetchone()[0] or 0) + 1


def _aside(cursor, table: str) -> str:
    aside = f"{table}_before_partitioning"
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(table), sql.Identifier(aside)))
    return aside


def _finish(cursor, table: str, *, primary_key: list[str], statements: list[str]) -> None:
    name = sql.Identifier(table)
    cursor.execute(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
            name, sql.Identifier(f"{table}_pkey"), sql.SQL(", ").join(map(sql.Identifier, primary_key))
        )
    )
    for statement in statements:
        cursor.execute(statement)
    cursor.execute(sql.SQL("ANALYZE {}").format(name))


def table_partition_by_month(cursor, *, table: str, column: str, month_sql: str, statements: list[str]) -> None:
    """Partition `table` by month on a new `column` computed for the existing rows by `month_sql` (an
    expression over the old row, aliased `o`); `statements` then create its indexes and foreign keys."""
    aside, name = _aside(cursor, table), sql.Identifier(table)
    next_id = _next_id(cursor, aside)
    cursor.execute(
        sql.SQL(
            "CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, {} date NOT NULL) "
            "PARTITION BY RANGE ({})"
        ).format(name, sql.Identifier(aside), sql.Identifier(column), sql.Identifier(column))
    )
    cursor.execute(sql.SQL("SELECT DISTINCT {} FROM {} o").format(sql.SQL(month_sql), sql.Identifier(aside)))
    months: set[date] = {month for (month,) in cursor.fetchall()}
    months |= {month_add(current_month(), ahead) for ahead in range(MONTHS_CREATED_AHEAD + 1)}
    for month in sorted(months):
        cursor.execute(
            sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM (%s) TO (%s)").format(
                sql.Identifier(partition_name(table, month)), name
            ),
            [month, month_add(month, 1)],
        )
    cursor.execute(
        sql.SQL("CREATE TABLE {} PARTITION OF {} DEFAULT").format(sql.Identifier(default_partition_name(table)), name)
    )
    columns = sql.SQL(", ").join(map(sql.Identifier, _columns(cursor, aside)))
    old_columns = sql.SQL(", ").join(sql.SQL("o.{}").format(sql.Identifier(c)) for c in _columns(cursor, aside))
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}, {}) SELECT {}, {} FROM {} o").format(
            name, columns, sql.Identifier(column), old_columns, sql.SQL(month_sql), sql.Identifier(aside)
        )
    )
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(aside)))
    sequence = sql.Identifier(f"{table}_id_seq")
    cursor.execute(sql.SQL("CREATE SEQUENCE {} OWNED BY {}.id").format(sequence, name))
    cursor.execute(
        sql.SQL("ALTER TABLE {} ALTER COLUMN id SET DEFAULT nextval(%s::regclass)").format(name), [f"{table}_id_seq"]
    )
    cursor.execute("SELECT setval(%s::regclass, %s, false)", [f"{table}_id_seq", next_id])
    _finish(cursor, table, primary_key=["id", column], statements=statements)


def table_unpartition(cursor, *, table: str, column: str, statements: list[str]) -> None:
    """The reverse: one plain table again, without `column`, its id an identity column as Django makes it."""
    aside, name = _aside(cursor, table), sql.Identifier(table)
    next_id = _next_id(cursor, aside)
    cursor.execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
            name, sql.Identifier(aside)
        )
    )
    cursor.execute(
        sql.SQL("ALTER TABLE {} ALTER COLUMN id DROP DEFAULT, DROP COLUMN {}").format(name, sql.Identifier(column))
    )
    columns = sql.SQL(", ").join(map(sql.Identifier, _columns(cursor, table)))
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(name, columns, columns, sql.Identifier(aside))
    )
    cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(aside)))
    cursor.execute(
        sql.SQL("ALTER TABLE {} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {})").format(
            name, sql.Literal(next_id)
        )
    )
    _finish(cursor, table, primary_key=["id"], statements=statements)
