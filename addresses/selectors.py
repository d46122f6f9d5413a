"""Questions asked of the address index: which addresses match what is being typed, which address
is nearest a point."""

import math
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection

# What a French address starts with or is glued with carries no information for finding the street:
# "rue de la" matches a third of France. They still count in the ranking, not in the retrieval.
_COMMON_WORDS = frozenset(
    [
        "rue",
        "avenue",
        "av",
        "bd",
        "boulevard",
        "chemin",
        "che",
        "impasse",
        "imp",
        "allee",
        "place",
        "pl",
        "route",
        "rte",
        "quai",
        "cours",
        "square",
        "lieu",
        "dit",
        "de",
        "des",
        "du",
        "la",
        "le",
        "les",
        "l",
        "d",
        "a",
        "au",
        "aux",
        "et",
        "en",
        "sur",
        "sous",
    ]
)
# "all", "ave", "bou": a common word being typed finds as many streets as the word itself. A word
# of fewer than three characters ("11", "pr") matches thousands of postcodes and names: neither
# searches, both still rank.
_COMMON_STARTS = frozenset(word[:n] for word in _COMMON_WORDS for n in range(3, len(word)))
_NUMBER = re.compile(r"^\s*(\d{1,5})\s*(bis|ter|quater|quinquies|[a-z](?![a-z]))?(?=\W|$)[\s,]*", re.IGNORECASE)
# BAN's number for a named place (lieu-dit) without house numbers.
_NO_NUMBER = 99999
_STREET_TYPES = ("Rue ", "Avenue ", "Place ", "Chemin ", "Impasse ", "Allée ", "Boulevard ", "Route ", "Quai ")


@dataclass(frozen=True)
class FoundAddress:
    number: int | None
    suffix: str
    street: str
    postcode: str
    commune: str
    lon: float
    lat: float
    distance_m: float | None = None

    def _house(self, street: str) -> str:
        if self.number is None or self.number >= _NO_NUMBER:
            return street
        return f"{self.number}{' ' + self.suffix if self.suffix else ''} {street}"

    @property
    def label(self) -> str:
        """ "12 bis Rue des Halles, 13150 Tarascon"."""
        return f"{self._house(self.street)}, {self.postcode} {self.commune}"

    @property
    def near(self) -> str:
        """ "près du 12 rue des Halles, Tarascon": where, without claiming the exact door."""
        street = self.street[0].lower() + self.street[1:] if self.street.startswith(_STREET_TYPES) else self.street
        numbered = self.number is not None and self.number < _NO_NUMBER
        return f"{'près du' if numbered else 'près de'} {self._house(street)}, {self.commune}"


def _normalised(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: what addresses_normalise() does in SQL."""
    text = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^a-z0-9]+", " ", "".join(c for c in text if not unicodedata.combining(c))).strip()


def query_parse(text: str) -> tuple[int | None, str, str, list[str]]:
    """(house number, suffix, the rest normalised, the words that find the street)."""
    match = _NUMBER.match(text)
    number, suffix = (int(match.group(1)), (match.group(2) or "").lower()) if match else (None, "")
    rest = _normalised(text[match.end() :] if match else text)
    words = [w for w in rest.split() if len(w) >= 3 and w not in _COMMON_WORDS and w not in _COMMON_STARTS]
    return number, suffix, rest, words


# Each searching word must be found (trigram word similarity, typos and unfinished words
# tolerated, through the GIN index, or the INSEE code's index when the commune is known); the
# streets are ranked by the similarity of the whole text. A lone common word ("victor", "saint",
# "rhone") passes tens of thousands of streets: only the first _CANDIDATES found are ranked,
# which changes nothing once a second word (the commune's name) narrows them to a few.
_SUGGEST_SQL = """
WITH candidates AS MATERIALIZED (
    SELECT id, name, postcode, commune_name, point, search
    FROM addresses_street WHERE {conditions} LIMIT %(candidates)s
), streets AS (
    SELECT id, name, postcode, commune_name, point, word_similarity(%(rest)s, search) AS score
    FROM candidates ORDER BY score DESC, length(search), id LIMIT %(limit)s
)
SELECT a.number, coalesce(a.suffix, ''), s.name, s.postcode, s.commune_name,
       ST_X(coalesce(a.point, s.point)), ST_Y(coalesce(a.point, s.point))
FROM streets s LEFT JOIN LATERAL (
    SELECT number, suffix, point FROM addresses_address
    WHERE street_id = s.id AND number = %(number)s
    ORDER BY lower(suffix) = %(suffix)s DESC, suffix LIMIT 1
) a ON true
ORDER BY s.score DESC, a.number IS NULL, length(s.name), s.id
"""
_CANDIDATES = 400


def address_suggest(text: str, *, insee_code: str | None = None, limit: int = 8) -> list[FoundAddress]:
    """The addresses that best match what has been typed so far, best first; only those of the
    commune `insee_code` when given."""
    number, suffix, rest, words = query_parse(text)
    if not words:
        return []
    conditions = " AND ".join(f"addresses_normalise(%(w{n})s) <%% search" for n in range(len(words[:6])))
    if insee_code:
        conditions += " AND insee_code = %(insee_code)s"
    params = {"rest": rest, "limit": limit, "number": number, "suffix": suffix, "insee_code": insee_code}
    params["candidates"] = _CANDIDATES
    params |= {f"w{n}": word for n, word in enumerate(words[:6])}
    with connection.cursor() as cursor:
        cursor.execute(_SUGGEST_SQL.format(conditions=conditions), params)
        return [FoundAddress(*row) for row in cursor.fetchall()]


_NEAREST_SQL = """
SELECT a.number, a.suffix, s.name, s.postcode, s.commune_name, ST_X(a.point), ST_Y(a.point),
       ST_Distance(a.point::geography, p::geography)
FROM addresses_address a JOIN addresses_street s ON s.id = a.street_id,
     ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) p
WHERE a.point && ST_Expand(p, %(degrees)s)
ORDER BY a.point <-> p LIMIT 1
"""


def address_nearest(*, lon: float, lat: float, within_m: float) -> FoundAddress | None:
    """The address nearest the point, if it is within `within_m` metres."""
    # A box at least `within_m` wide on every side: a degree of longitude shrinks with latitude.
    degrees = within_m / (111_000 * max(math.cos(math.radians(lat)), 0.01))
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST_SQL, {"lon": lon, "lat": lat, "degrees": degrees})
        row = cursor.fetchone()
    if row is None or row[-1] > within_m:
        return None
    return FoundAddress(*row)
