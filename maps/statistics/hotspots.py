"""Hot spots: Getis-Ord Gi* on hexagon counts with exact conditional p-values, two-sided, then a
Benjamini-Hochberg false-discovery-rate cut.

Weights are binary contiguity between hexagons (centres one hexagon width apart) with the hexagon
itself included, as Gi* requires (the z-score is esda's `G_Local(y, w, transform="B", star=True)`).
Under conditional randomisation (esda's permutation scheme) a hexagon keeps its own count and its k
neighbours hold k counts drawn without replacement from the n - 1 others; Gi* grows with their sum
S. The distribution of S is computed exactly by a small dynamic programme over the distinct counts
(subsets of size <= k by sum), so p-values are neither floored at 1 / (permutations + 1) nor read on a
normal curve that a right-skewed sparse sum does not follow."""

import math
from dataclasses import dataclass

import numpy as np
from libpysal.weights import DistanceBand
from scipy import special
from scipy.spatial import cKDTree

ALPHA = 0.05


@dataclass
class HotSpots:
    z: np.ndarray  # Gi* z-score (never published: with the weights it gives the counts back)
    p_value: np.ndarray  # exact conditional two-sided p-value
    p_threshold: float | None  # Benjamini-Hochberg cut-off (p <= it), None when nothing survives
    hot: np.ndarray  # bool
    cold: np.ndarray  # bool


def neighbour_weights(centroids: np.ndarray, hexagon_edge: float) -> DistanceBand:
    """Adjacent regular hexagons have centres edge x sqrt(3) apart; 1 % slack for rounding."""
    return DistanceBand(centroids, threshold=hexagon_edge * math.sqrt(3) * 1.01, binary=True, silence_warnings=True)


def neighbour_lists(centroids: np.ndarray, hexagon_edge: float) -> list[np.ndarray]:
    """Each hexagon's neighbours (itself excluded), the same as `neighbour_weights` but through a k-d
    tree: libpysal builds a sparse dictionary matrix first, which cost more than the exact p-values."""
    tree = cKDTree(centroids)
    groups = tree.query_ball_point(centroids, r=hexagon_edge * math.sqrt(3) * 1.01)
    return [np.array(sorted(j for j in group if j != i), dtype=int) for i, group in enumerate(groups)]


def prediction_accuracy_index(counts: np.ndarray, areas: np.ndarray, flagged: np.ndarray) -> float | None:
    """Share of events captured by the flagged cells divided by the share of area they cover."""
    if not flagged.any() or counts.sum() == 0 or areas.sum() == 0:
        return None
    return float((counts[flagged].sum() / counts.sum()) / (areas[flagged].sum() / areas.sum()))


def subset_sums(values: np.ndarray, max_size: int, max_sum: int) -> np.ndarray:
    """N[m, s] = number of subsets of size m (0..max_size) of `values` (a multiset of non-negative
    integers) whose sum is s (0..max_sum, larger sums dropped). One pass per distinct value v of
    multiplicity c: choosing j of its c copies adds C(c, j) x N[m, s] to N[m + j, s + j v]."""
    table = np.zeros((max_size + 1, max_sum + 1))
    table[0, 0] = 1.0
    distinct, multiplicity = np.unique(values, return_counts=True)
    for value, copies in zip(distinct.tolist(), multiplicity.tolist(), strict=True):
        previous = table.copy()
        for j in range(1, min(copies, max_size) + 1):
            shift = j * value
            if shift > max_sum:
                break
            table[j:, shift:] += special.comb(copies, j) * previous[: max_size + 1 - j, : max_sum + 1 - shift]
    return table


def without_one(table: np.ndarray, value: int) -> np.ndarray:
    """The subset-sum table of the same multiset with one copy of `value` removed: the table is the
    product of (1 + x t^value) and the one without it, so divide it out row by row. Cancellation can
    only cost absolute error of about 1e-16 of the row total, far below any p-value tested."""
    out = table.copy()
    for m in range(1, table.shape[0]):
        if value <= table.shape[1] - 1:
            out[m, value:] -= out[m - 1, : table.shape[1] - value]
    return np.maximum(out, 0.0)


def exact_p_values(counts: np.ndarray, neighbours: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided exact conditional p-values of Gi*, and whether each sum lies above its expectation."""
    y = np.asarray(counts).astype(np.int64)
    n = len(y)
    sizes = np.array([len(nb) for nb in neighbours])
    sums = np.array([int(y[nb].sum()) for nb in neighbours])
    max_size = int(sizes.max())
    max_sum = int(np.sort(y)[-max_size:].sum()) if max_size else 0
    table = subset_sums(y, max_size, max_sum)
    p = np.ones(n)
    above = np.zeros(n, dtype=bool)
    total_count = y.sum()
    for own in np.unique(y).tolist():
        # Every hexagon holding this count at once: same table, its own (size, sum) cell. A column of
        # the table depends only on the columns before it, so the sums above the largest one asked
        # are left out of the division and the cumulative sum (same values, a fraction of the work).
        index = np.nonzero((y == own) & (sizes > 0))[0]
        if not len(index):
            continue
        k, s = sizes[index], sums[index]
        others = without_one(table[:, : int(s.max()) + 1], own)
        below_cum = np.cumsum(others, axis=1)
        total = special.comb(n - 1, k)
        lower = below_cum[k, s] / total
        upper = 1.0 - np.where(s > 0, below_cum[k, np.maximum(s - 1, 0)], 0.0) / total
        p[index] = np.minimum(1.0, 2 * np.minimum(lower, upper))
        above[index] = s > k * (total_count - own) / (n - 1)
    return p, above


def benjamini_hochberg(p: np.ndarray, alpha: float = ALPHA) -> float | None:
    """The largest p(i) with p(i) <= alpha i / n; every p at or below it is a discovery."""
    ordered = np.sort(p)
    passing = np.nonzero(ordered <= alpha * np.arange(1, len(p) + 1) / len(p))[0]
    return float(ordered[passing[-1]]) if len(passing) else None


def gi_star_z(counts: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
    """Gi* z-score (Getis & Ord 1995, binary weights, the hexagon included)."""
    y = np.asarray(counts, dtype=float)
    n = len(y)
    mean, sd = y.mean(), math.sqrt((y**2).mean() - y.mean() ** 2)
    w = np.array([len(nb) + 1 for nb in neighbours], dtype=float)
    local = np.array([y[nb].sum() for nb in neighbours]) + y
    if sd == 0:
        return np.zeros(n)
    return (local - mean * w) / (sd * np.sqrt((n * w - w**2) / (n - 1)))


def getis_ord_hot_spots(
    counts: np.ndarray,
    centroids: np.ndarray,
    *,
    hexagon_edge: float,
    alpha: float = ALPHA,
    neighbours: list[np.ndarray] | None = None,
) -> HotSpots | None:
    """None when there is nothing to test (fewer than 3 hexagons or no variation). `neighbours` may be
    given when the same grid is tested several times."""
    counts = np.asarray(counts)
    if len(counts) < 3 or counts.sum() == 0 or counts.min() == counts.max():
        return None
    if neighbours is None:
        neighbours = neighbour_lists(centroids, hexagon_edge)
    p, above = exact_p_values(counts, neighbours)
    threshold = benjamini_hochberg(p, alpha)
    significant = p <= threshold if threshold is not None else np.zeros(len(p), dtype=bool)
    return HotSpots(gi_star_z(counts, neighbours), p, threshold, significant & above, significant & ~above)
