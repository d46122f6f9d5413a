"""Statistical disclosure control of published counts: the ONS cell-key method.

Every event carries a permanent random key in 0..255 (`Alert.cell_key`, `RecordedCrime.cell_key`).
A published cell's key is the sum of its events' keys mod 256, computed in the same SQL GROUP BY as the
count; a fixed table maps (count, cell key) to a small perturbation with mean exactly 0. The same
events always give the same cell key, so asking again returns the same figure: the noise cannot be
averaged away by repeating or differencing requests over the fixed lattice of published periods.
Counts 0 to 4 are all published "< 5" (zeros protected like small counts); a count of 5 or more is
published perturbed and never below 5, so "< 5" always means a true count under 5.

Reference: ONS, "Cell Key Perturbation" (Census 2021 disclosure control), and Fraser & Wooton (2005),
"A proposed method for confidentiality protection in the release of census tables"."""

from django.utils.translation import gettext as _

SMALL_CELL = 5
KEY_RANGE = 256
# Perturbation -2..+2 with probabilities 13, 51, 128, 51, 13 / 256: symmetric, so unbiased; variance 0.8.
_WIDE = ((13, -2), (64, -1), (192, 0), (243, 1), (256, 2))
# Near the threshold the perturbation is narrowed (still symmetric) so a count of 5 or more stays >= 5.
_NARROW = ((51, -1), (205, 0), (256, 1))  # 51, 154, 51 / 256


def perturbation(count: int, cell_key: int) -> int:
    """The fixed table: the perturbation of a count of `count` events whose cell key is `cell_key`."""
    if count < SMALL_CELL or count == SMALL_CELL:
        return 0
    table = _NARROW if count == SMALL_CELL + 1 else _WIDE
    return next(step for bound, step in table if cell_key % KEY_RANGE < bound)


def protected(count: int | None, key_sum: int | None) -> int | None:
    """The count as published: None for 0-4 (shown "< 5") or unknown, else perturbed by its cell key."""
    if count is None or count < SMALL_CELL:
        return None
    return count + perturbation(count, (key_sum or 0) % KEY_RANGE)


def display(published: int | None) -> str:
    return _("< 5") if published is None else str(published)
