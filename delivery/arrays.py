"""Lists passed to PostgreSQL as one string each. psycopg adapts a Python list element by element,
in Python: at a few thousand deliveries a second that was a tenth of a worker's own time
(bench/RESULTS.md). An array literal of integers or dates, or a JSON document of rows, is one
string that PostgreSQL parses in C."""

import json
from collections.abc import Iterable
from datetime import date


def int_array(values: Iterable[int]) -> str:
    """Integers as an array literal, to cast in SQL (`%s::bigint[]`)."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def date_array(values: Iterable[date]) -> str:
    """Dates as an array literal, to cast in SQL (`%s::date[]`)."""
    return "{" + ",".join(value.isoformat() for value in values) + "}"


def json_rows(rows: list[dict]) -> str:
    """Rows as a JSON array of objects, to read in SQL with `json_to_recordset(%s::json) AS v(...)`;
    dates and times in ISO 8601, with their offset."""
    return json.dumps(rows, default=_iso, ensure_ascii=False)


def _iso(value):
    if isinstance(value, date):  # a datetime is a date too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")
