import numpy as np
import pytest

from maps.statistics.heatmap import kernel_density, shown_cells


def grid(n=80, cell=50.0):
    return {"x0": 0.0, "y0": 0.0, "nx": n, "ny": n, "cell": cell, "srid": 2154}


def test_density_keeps_every_event_and_peaks_where_they_are():
    bins = [(40, 40, 30), (10, 10, 2)]
    result = kernel_density(grid(), bins, bandwidth=200)
    cell_km2 = (50 / 1000) ** 2
    assert result.density.sum() * cell_km2 == pytest.approx(32, rel=1e-3)
    assert np.unravel_index(result.density.argmax(), result.density.shape) == (40, 40)


def test_cells_with_fewer_than_five_events_nearby_are_hidden():
    result = kernel_density(grid(), [(40, 40, 30), (10, 10, 2)], bandwidth=200)
    rows, cols = shown_cells(result)
    assert (40, 40) in set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert (10, 10) not in set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert result.nearby[40, 40] == 30


def test_bandwidth_drives_the_spread():
    narrow = kernel_density(grid(), [(40, 40, 30)], bandwidth=100).density
    wide = kernel_density(grid(), [(40, 40, 30)], bandwidth=400).density
    assert narrow.max() > 10 * wide.max() / 2
    assert wide[40, 50] > narrow[40, 50]
