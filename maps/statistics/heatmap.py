"""Kernel density of events on a metric grid, computed on the server from binned counts.

The database bins points on cells of `cell` metres (maps.statistics.counts.binned_points); a
Gaussian filter of standard deviation `bandwidth` then spreads each cell's count, which is the
binned kernel density estimate: with cells four times smaller than the bandwidth the binning
error is negligible next to the choice of bandwidth. Values are events per km² over the period."""

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage, signal

MIN_EVENTS_NEARBY = 5  # a cell is shown only with at least this many events within one bandwidth
SHOWN_SHARE_OF_PEAK = 0.05  # cells below this share of the peak density are left transparent


@dataclass
class DensityGrid:
    x0: float
    y0: float
    cell: float
    srid: int
    density: np.ndarray  # (ny, nx), events per km²
    nearby: np.ndarray  # (ny, nx), events within one bandwidth of the cell centre


def counts_grid(grid: dict, bins: list[tuple]) -> np.ndarray:
    counts = np.zeros((grid["ny"], grid["nx"]))
    if bins:
        ix, iy, n = (np.asarray(column) for column in zip(*bins, strict=True))
        inside = (ix >= 0) & (ix < grid["nx"]) & (iy >= 0) & (iy < grid["ny"])
        np.add.at(counts, (iy[inside], ix[inside]), n[inside])
    return counts


def disc(radius_cells: float) -> np.ndarray:
    r = int(np.ceil(radius_cells))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx**2 + yy**2 <= radius_cells**2).astype(float)


def kernel_density(grid: dict, bins: list[tuple], *, bandwidth: float) -> DensityGrid:
    counts = counts_grid(grid, bins)
    cell = grid["cell"]
    density = ndimage.gaussian_filter(counts, sigma=bandwidth / cell, mode="constant", truncate=4.0)
    density *= 1e6 / (cell * cell)
    nearby = np.rint(signal.fftconvolve(counts, disc(bandwidth / cell), mode="same")) if counts.any() else counts
    return DensityGrid(grid["x0"], grid["y0"], cell, grid["srid"], density, nearby)


def shown_cells(result: DensityGrid) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the cells that may be drawn: enough events nearby, visible density."""
    peak = result.density.max()
    if peak <= 0:
        return np.array([], dtype=int), np.array([], dtype=int)
    mask = (result.nearby >= MIN_EVENTS_NEARBY) & (result.density >= SHOWN_SHARE_OF_PEAK * peak)
    return np.nonzero(mask)


def cell_polygons(result: DensityGrid, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The shown cells as shapely rectangles in the metric projection."""
    x = result.x0 + cols * result.cell
    y = result.y0 + rows * result.cell
    return shapely.box(x, y, x + result.cell, y + result.cell)


def level_shapes(result: DensityGrid, rows: np.ndarray, cols: np.ndarray, levels: np.ndarray) -> dict:
    """{level: the union of its shown cells} in the metric projection, for drawing: each grid row's
    runs of same-level cells become one rectangle, and the rectangles (integer cell coordinates, so
    neighbours share their edges exactly) are merged as a coverage. The same cells as
    `cell_polygons`, in a few shapes instead of thousands."""
    shapes = {}
    for level in np.unique(levels).tolist():
        mask = np.zeros(result.density.shape, dtype=np.int8)
        mask[rows[levels == level], cols[levels == level]] = 1
        edges = np.diff(np.pad(mask, ((0, 0), (1, 1))), axis=1)
        run_rows, starts = np.nonzero(edges == 1)
        _rows, ends = np.nonzero(edges == -1)
        union = shapely.coverage_union_all(shapely.box(starts, run_rows, ends, run_rows + 1))
        shapes[level] = shapely.transform(union, lambda xy: xy * result.cell + (result.x0, result.y0))
    return shapes
