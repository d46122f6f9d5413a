"""Metric projections: every distance and area is computed in metres in a projection that is
right for the place, never in degrees.

Metropolitan France (Corsica included) uses Lambert-93 (EPSG:2154), the official projection, whose
scale error stays under 0.1 %. Overseas communes and any other place use the WGS 84 UTM zone
that contains them (EPSG:326xx north, 327xx south), so a 300 m radius is 300 m in Réunion too."""

LAMBERT_93 = 2154
WGS84 = 4326

# Lambert-93's domain of validity (EPSG:2154 area of use), a little wider than mainland France.
_LAMBERT_93_BOUNDS = (-9.86, 41.15, 10.38, 51.56)


def utm_srid(lon: float, lat: float) -> int:
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def metric_srid(lon: float, lat: float) -> int:
    """EPSG code of the metric projection used for a place given by a representative point."""
    west, south, east, north = _LAMBERT_93_BOUNDS
    if west <= lon <= east and south <= lat <= north:
        return LAMBERT_93
    return utm_srid(lon, lat)


def metric_srid_sql(point_sql: str) -> str:
    """The same choice as `metric_srid`, as a SQL expression over a lon/lat point expression, so
    bulk imports pick each commune's projection in one statement."""
    west, south, east, north = _LAMBERT_93_BOUNDS
    x, y = f"ST_X({point_sql})", f"ST_Y({point_sql})"
    return (
        f"CASE WHEN {x} BETWEEN {west} AND {east} AND {y} BETWEEN {south} AND {north} THEN {LAMBERT_93} "
        f"ELSE (CASE WHEN {y} >= 0 THEN 32600 ELSE 32700 END) + LEAST(FLOOR(({x} + 180) / 6)::int + 1, 60) END"
    )
