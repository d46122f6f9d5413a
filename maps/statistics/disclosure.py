"""Complementary suppression: which published figures to hide so that no hidden one can be
worked out from the others. Pure functions, no database.

Every figure shown together (page, API, CSV) is a sum of the same atomic cells (events of one zone
in one month): a zone total is the sum of its months, the commune total the sum of its zones, a
"before" figure the sum of some months, the rest of the commune the commune minus a zone. Hiding
the figures under 5 is not enough: zone total 6 and "after" 5 give "before" = 1 back.

A hidden figure can be worked out exactly from the published ones when its cells, as a vector, are
a linear combination of the published figures' vectors (it lies in their row space). The rule
then hides a further published figure used in working out a hidden one, preferring comparison
counts to zone figures, zone figures to commune ones, and small counts to large ones, until no
hidden figure can be worked out."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

SMALL_CELL = 5
_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Figure:
    key: Hashable
    cells: frozenset  # the atomic cells it adds up
    value: int
    keep: int = 1  # which to hide first when one must go: lowest first (0 comparison, 1 zone, 2 commune)


def _matrix(figures: list[Figure], column: dict) -> np.ndarray:
    matrix = np.zeros((len(figures), len(column)))
    for row, figure in enumerate(figures):
        matrix[row, [column[cell] for cell in figure.cells]] = 1.0
    return matrix


def _derivations(published: list[Figure], hidden: list[Figure]) -> dict[int, np.ndarray]:
    """For each hidden figure that follows exactly from the published ones by addition and
    subtraction (its vector lies in their row space), the least-norm coefficients doing it."""
    if not hidden or not published:
        return {}
    cells = sorted({cell for figure in published + hidden for cell in figure.cells}, key=repr)
    column = {cell: i for i, cell in enumerate(cells)}
    known, unknown = _matrix(published, column), _matrix(hidden, column)
    coefficients, *_ = np.linalg.lstsq(known.T, unknown.T, rcond=None)
    residual = np.abs(known.T @ coefficients - unknown.T).max(axis=0)
    return {i: coefficients[:, i] for i in np.flatnonzero(residual < 1e-6)}


def derivable(published: list[Figure], hidden: list[Figure]) -> list[Figure]:
    """The hidden figures whose exact value follows from the published ones."""
    return [hidden[i] for i in _derivations(published, hidden)]


def suppressed(figures: Iterable[Figure]) -> set[Hashable]:
    """Keys of the figures to hide: those under 5, and enough others that none of those can be derived.

    Each round, every hidden figure that can still be worked out gets one more published figure
    hidden among those its derivation uses (lowest `keep` first, then the smallest count)."""
    figures = list({figure.key: figure for figure in figures}.values())
    small = [figure for figure in figures if figure.value < SMALL_CELL]
    hidden = {figure.key for figure in small}
    while True:
        shown = [figure for figure in figures if figure.key not in hidden]
        # Only the small counts need protecting: a figure of 5 or more hidden on their behalf may be
        # worked out again without harm.
        exposed = _derivations(shown, small)
        if not exposed:
            return hidden
        for coefficients in exposed.values():
            used = [figure for figure, c in zip(shown, coefficients, strict=True) if abs(c) > 1e-9]
            if not any(figure.key in hidden for figure in used):
                partner = min(used, key=lambda figure: (figure.keep, figure.value, repr(figure.key)))
                hidden.add(partner.key)
