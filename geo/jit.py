"""PostGIS functions carry high planner costs, so plans over a few thousand rows cross PostgreSQL's
JIT thresholds and spend longer compiling (150 ms for an OGC page of 1,000 alerts, more for a
national tile) than running. Queries that read geometry in bulk run with JIT off."""

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def without_jit():
    """JIT off for the statements run inside (SET LOCAL: until the enclosing transaction ends)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield
