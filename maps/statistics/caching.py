"""Statistics computed once per state of the data and kept in the shared cache (Redis).

The key holds the query's every field, the day, the language and the commune's data fingerprint
(`counts.statistics_fingerprint`): once anything a figure reads changes, its key no longer matches,
so nothing has to be invalidated by hand and no write path can be forgotten. Entries of a state that
is gone simply age out."""

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from edge.replica import reads_from_replica
from maps.statistics import counts
from maps.statistics.reports import StatisticsQuery

T = TypeVar("T")


def cache_key(name: str, query: StatisticsQuery, *, today: dt.date | None = None) -> str:
    fields = {f.name: getattr(query, f.name) for f in dataclasses.fields(query) if f.name != "commune"}
    state = repr(
        (
            name,
            query.commune.id,
            sorted(fields.items()),
            today.isoformat() if today else None,
            translation.get_language(),
            counts.statistics_fingerprint(query.commune.id),
        )
    )
    return f"statistics:{name}:" + hashlib.sha256(state.encode()).hexdigest()


def cached(name: str, query: StatisticsQuery, compute: Callable[[], T], *, today: dt.date | None = None) -> T:
    """`compute()` once per state of the data; `today` for figures that read the date. The state and
    the figures are both read where statistics read (the replica when there is a usable one), so
    the key always names the data the figures were computed from."""

    @reads_from_replica
    def read() -> T:
        key = cache_key(name, query, today=today)
        value = cache.get(key)
        if value is None:
            with counts.shared_scans():
                value = compute()
            cache.set(key, value, timeout=settings.MAPS_STATISTICS_CACHE_S)
        return value

    return read()
