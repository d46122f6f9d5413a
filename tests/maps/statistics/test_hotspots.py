import math
from itertools import combinations

import numpy as np
from esda import G_Local
from scipy import stats

from maps.statistics.hotspots import (
    benjamini_hochberg,
    exact_p_values,
    getis_ord_hot_spots,
    gi_star_z,
    neighbour_weights,
    prediction_accuracy_index,
)


def hexagon_centres(rows: int, cols: int, edge: float) -> np.ndarray:
    width = edge * math.sqrt(3)
    return np.array([(c * width + (r % 2) * width / 2, r * edge * 1.5) for r in range(rows) for c in range(cols)])


def test_exact_p_values_are_those_of_every_draw_without_replacement():
    """Brute force over every subset of the other counts: the dynamic programme gives the same p."""
    rng = np.random.default_rng(1)
    counts = rng.poisson(0.8, 12)
    counts[3] = 6
    neighbours = [np.array([j for j in range(12) if j != i and abs(j - i) <= 2]) for i in range(12)]
    p, above = exact_p_values(counts, neighbours)
    for i in range(12):
        others = np.delete(counts, i)
        observed = counts[neighbours[i]].sum()
        sums = np.array([sum(c) for c in combinations(others, len(neighbours[i]))])
        expected = min(1, 2 * min((sums <= observed).mean(), (sums >= observed).mean()))
        assert abs(p[i] - expected) < 1e-12
        assert above[i] == (observed > sums.mean())


def test_sparse_counts_are_not_made_significant_by_a_normal_curve():
    """Isolated single events among empty hexagons: the normal approximation of the permutations
    (esda's p_z_sim) calls a lone event very unlikely; the exact p-value says it is ordinary."""
    centres = hexagon_centres(20, 20, 100)
    counts = np.zeros(400, dtype=int)
    counts[[21, 150, 260, 333, 390]] = 1
    weights = neighbour_weights(centres, 100)
    neighbours = [np.asarray(weights.neighbors[k], dtype=int) for k in weights.id_order]
    p, _above = exact_p_values(counts, neighbours)
    g = G_Local(counts.astype(float), weights, transform="B", star=True, permutations=999, seed=1, n_jobs=1)
    assert g.p_z_sim.min() < 1e-4 and p.min() > 1e-2
    assert getis_ord_hot_spots(counts, centres, hexagon_edge=100).hot.sum() == 0  # "aucun point chaud"


def test_z_score_is_esda_gi_star():
    centres = hexagon_centres(10, 10, 100)
    counts = np.random.default_rng(3).poisson(2, 100)
    weights = neighbour_weights(centres, 100)
    neighbours = [np.asarray(weights.neighbors[k], dtype=int) for k in weights.id_order]
    g = G_Local(counts.astype(float), weights, transform="B", star=True, permutations=0)
    assert np.allclose(gi_star_z(counts, neighbours), g.Zs)


def test_benjamini_hochberg_is_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(5).uniform(0, 0.02, 50) ** 2
    cut = benjamini_hochberg(p)
    assert ((p <= cut) == multipletests(p, 0.05, method="fdr_bh")[0]).all()
    assert benjamini_hochberg(np.array([0.5, 0.9])) is None


def test_planted_cluster_is_found_hot_after_fdr():
    centres = hexagon_centres(12, 12, 100)
    rng = np.random.default_rng(7)
    counts = rng.poisson(1, len(centres))
    distance = np.linalg.norm(centres - centres.mean(axis=0), axis=1)
    middle = distance < 260
    counts[middle] += 12
    result = getis_ord_hot_spots(counts, centres, hexagon_edge=100)
    assert result.hot.any() and result.p_threshold < 0.05
    # Hot hexagons are the cluster and its ring of neighbours (Gi* sums each hexagon's neighbourhood).
    assert distance[result.hot].max() < 260 + 100 * math.sqrt(3) * 1.01
    assert result.hot[middle].mean() >= 0.6  # exact p-values are stricter than the normal curve
    # Two-sided: the p-values are below what a one-sided test would give doubled, never above 1.
    assert (result.p_value <= 1).all() and stats.uniform.cdf(result.p_value).min() >= 0


def test_nothing_to_test_without_variation():
    centres = hexagon_centres(3, 3, 100)
    assert getis_ord_hot_spots(np.zeros(9), centres, hexagon_edge=100) is None


def test_prediction_accuracy_index_hand_computed():
    # Half the events in a tenth of the area: PAI = 0.5 / 0.1 = 5.
    counts = np.array([5, 1, 1, 1, 1, 1])
    areas = np.array([1, 2, 2, 2, 1.5, 1.5])
    flagged = np.array([True, False, False, False, False, False])
    assert prediction_accuracy_index(counts, areas, flagged) == 5


def test_neighbour_lists_are_the_contiguity_weights():
    from maps.statistics.hotspots import neighbour_lists

    centres = hexagon_centres(8, 9, 100)
    weights = neighbour_weights(centres, 100)
    expected = [sorted(weights.neighbors[key]) for key in weights.id_order]
    assert [list(group) for group in neighbour_lists(centres, 100)] == expected
