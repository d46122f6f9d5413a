"""Hot spots: Getis-Ord Gi* on hexagon counts, with permutation p-values and an FDR correction.

Weights are binary contiguity between hexagons (centres one hexagon width apart), with the
hexagon itself included, as Gi* requires (esda G_Local with star=True, transform "B")."""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from esda import G_Local, fdr
from libpysal.weights import DistanceBand

PERMUTATIONS = 999
ALPHA = 0.05
SEED = 20080118  # fixed so the same data always gives the same map


@dataclass
class HotSpots:
    z: np.ndarray
    p_sim: np.ndarray  # pseudo p-value of the permutations (smallest 1 / (permutations + 1))
    p_z_sim: np.ndarray  # p-value of the permutation z-score, the one corrected for FDR
    p_threshold: float  # FDR-corrected cut-off on p_z_sim
    hot: np.ndarray  # bool
    cold: np.ndarray  # bool
    prediction_accuracy_index: float | None


def neighbour_weights(centroids: np.ndarray, hexagon_edge: float) -> DistanceBand:
    """Adjacent regular hexagons have centres edge x sqrt(3) apart; 1 % slack for rounding."""
    return DistanceBand(centroids, threshold=hexagon_edge * math.sqrt(3) * 1.01, binary=True, silence_warnings=True)


def prediction_accuracy_index(counts: np.ndarray, areas: np.ndarray, flagged: np.ndarray) -> float | None:
    """Share of events captured by the flagged cells divided by the share of area they cover."""
    if not flagged.any() or counts.sum() == 0 or areas.sum() == 0:
        return None
    return float((counts[flagged].sum() / counts.sum()) / (areas[flagged].sum() / areas.sum()))


def getis_ord_hot_spots(
    counts: np.ndarray,
    centroids: np.ndarray,
    areas: np.ndarray,
    *,
    hexagon_edge: float,
    alpha: float = ALPHA,
    permutations: int = PERMUTATIONS,
) -> HotSpots | None:
    """None when there is nothing to test (fewer than 3 hexagons or no event)."""
    counts = np.asarray(counts, dtype=float)
    if len(counts) < 3 or counts.sum() == 0 or counts.min() == counts.max():
        return None
    weights = neighbour_weights(centroids, hexagon_edge)
    # n_jobs=1: without numba, the parallel path is several times slower than the plain one.
    # G_Local cannot choose crand's alternative yet; its p_sim is the folded (directed) pseudo
    # p-value, (1 + permutations at least as extreme) / (1 + permutations), smallest 0.001.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        g = G_Local(
            counts,
            weights,
            transform="B",
            star=True,
            permutations=permutations,
            seed=SEED,
            n_jobs=1,
            keep_simulations=True,  # p_z_sim needs the permutation distribution
        )
    # FDR on the permutation z-score's p-value (p_z_sim: the observed G* standardised by the mean and
    # spread of its 999 permutations). p_sim itself cannot go below 1/1000, so over n hexagons the
    # Benjamini-Hochberg rule could only flag groups of n/50 or more: a compact hot spot of ten
    # hexagons in a grid of 2,000 would never show.
    threshold = float(fdr(g.p_z_sim, alpha))
    significant = g.p_z_sim < threshold  # esda.fdr returns a strict cut-off
    hot, cold = significant & (g.Zs > 0), significant & (g.Zs < 0)
    return HotSpots(g.Zs, g.p_sim, g.p_z_sim, threshold, hot, cold, prediction_accuracy_index(counts, areas, hot))
