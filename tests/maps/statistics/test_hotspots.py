import math

import numpy as np

from maps.statistics.hotspots import getis_ord_hot_spots, prediction_accuracy_index


def hexagon_centres(rows: int, cols: int, edge: float) -> np.ndarray:
    width = edge * math.sqrt(3)
    return np.array([(c * width + (r % 2) * width / 2, r * edge * 1.5) for r in range(rows) for c in range(cols)])


def test_planted_cluster_is_found_hot_after_fdr():
    centres = hexagon_centres(12, 12, 100)
    rng = np.random.default_rng(7)
    counts = rng.poisson(1, len(centres))
    distance = np.linalg.norm(centres - centres.mean(axis=0), axis=1)
    middle = distance < 260
    counts[middle] += 12
    result = getis_ord_hot_spots(counts, centres, np.ones(len(centres)), hexagon_edge=100)
    assert result.hot.any()
    # Hot hexagons are the cluster and its ring of neighbours (Gi* sums each hexagon's neighbourhood).
    assert distance[result.hot].max() < 260 + 100 * math.sqrt(3) * 1.01
    assert result.hot[middle].mean() > 0.8
    assert result.p_sim.min() >= 0.001 and result.p_threshold < 0.05
    assert result.prediction_accuracy_index > 2


def test_nothing_to_test_without_variation():
    centres = hexagon_centres(3, 3, 100)
    assert getis_ord_hot_spots(np.zeros(9), centres, np.ones(9), hexagon_edge=100) is None


def test_prediction_accuracy_index_hand_computed():
    # Half the events in a tenth of the area: PAI = 0.5 / 0.1 = 5.
    counts = np.array([5, 1, 1, 1, 1, 1])
    areas = np.array([1, 2, 2, 2, 1.5, 1.5])
    flagged = np.array([True, False, False, False, False, False])
    assert prediction_accuracy_index(counts, areas, flagged) == 5
