import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.statistics.disclosure import Figure, derivable, suppressed


def months(zone, *numbers):
    return frozenset((zone, m) for m in numbers)


def test_zone_total_minus_after_no_longer_gives_before_back():
    # Zone total 6 over months 1-2, "after" (month 2) 5, "before" (month 1) 1.
    figures = [
        Figure("total", months("a", 1, 2), 6),
        Figure("before", months("a", 1), 1),
        Figure("after", months("a", 2), 5),
    ]
    hidden = suppressed(figures)
    assert "before" in hidden and hidden != {"before"}
    shown = [f for f in figures if f.key not in hidden]
    assert not derivable(shown, [f for f in figures if f.value < 5])


def test_commune_minus_the_rest_of_the_commune_gives_the_zone_back_unless_one_more_is_hidden():
    # The rest of the commune (commune - zone) is published beside the commune: a small zone leaks.
    commune = months("a", 1) | months("b", 1) | months("c", 1)
    figures = [
        Figure("zone a", months("a", 1), 3),
        Figure("zone b", months("b", 1), 20),
        Figure("zone c", months("c", 1), 30),
        Figure("commune", commune, 53, keep=2),
        Figure("rest of a", months("b", 1) | months("c", 1), 50),
    ]
    hidden = suppressed(figures)
    assert "commune" not in hidden  # a zone figure is hidden instead
    assert hidden == {"zone a", "zone b", "rest of a"}
    shown = [f for f in figures if f.key not in hidden]
    assert not derivable(shown, [f for f in figures if f.value < 5])


def test_nothing_more_is_hidden_when_nothing_leaks():
    figures = [Figure("a", months("a", 1), 12), Figure("b", months("b", 1), 3)]
    assert suppressed(figures) == {"b"}


# A random table: zones x months, published as cells, zone totals, month totals (commune) and the
# grand total, like the dashboard's tables. Whatever the values, nothing hidden can be derived.
@settings(max_examples=60, deadline=None)
@given(st.integers(2, 4), st.integers(2, 5), st.data())
def test_no_hidden_figure_can_be_derived_from_what_is_published(zones, periods, data):
    values = data.draw(st.lists(st.integers(0, 12), min_size=zones * periods, max_size=zones * periods))
    value = dict(zip([(z, m) for z in range(zones) for m in range(periods)], values, strict=True))

    def figure(key, cells, keep=1):
        return Figure(key, frozenset(cells), sum(value[c] for c in cells), keep)

    figures = [figure(("cell", c), [c]) for c in value]
    figures += [figure(("zone", z), [(z, m) for m in range(periods)]) for z in range(zones)]
    figures += [figure(("month", m), [(z, m) for z in range(zones)], 2) for m in range(periods)]
    figures += [figure("commune", list(value), 2)]
    figures += [figure(("first half", z), [(z, m) for m in range(periods // 2)]) for z in range(zones)]
    hidden = suppressed(figures)
    assert all(f.key in hidden for f in figures if f.value < 5)
    shown = [f for f in figures if f.key not in hidden]
    concealed = [f for f in figures if f.value < 5]
    # Independent check: no hidden vector lies in the span of the published ones (least squares).
    cells = sorted(value)
    index = {c: i for i, c in enumerate(cells)}

    def vector(f):
        v = np.zeros(len(cells))
        v[[index[c] for c in f.cells]] = 1
        return v

    if shown:
        basis = np.array([vector(f) for f in shown]).T
        for f in concealed:
            coefficients, *_ = np.linalg.lstsq(basis, vector(f), rcond=None)
            assert np.abs(basis @ coefficients - vector(f)).max() > 1e-6, f.key
