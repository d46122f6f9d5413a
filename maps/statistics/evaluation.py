"""The evaluation of the scheme on recorded crime (SSMSI yearly figures): the commune against similar
communes of its département that have not adopted it, with the ratio of ratios and its exact
conditional interval, an overdispersion allowance from the yearly series, and the change detectable.

Design (docs/statistics.md): the adoption year belongs to neither period; "before" is up to 3 years
before it, "after" up to 3 years after it. Comparable communes: same département, not adopting,
population within a factor 2 of the commune's and baseline rate (events per inhabitant before) within a
factor 2, every figure of the years used diffused. Fewer than 3 such communes: the département trend
(every non-adopting commune of the département with complete figures)."""

import numpy as np
from django.utils.translation import gettext as _

from alerts.models import Family
from edge.replica import reads_from_replica
from maps.statistics import counts
from maps.statistics.before_after import against_comparison, before_after, count_display
from maps.statistics.intervals import dispersion_two_way
from zones.models import Commune

YEARS = 3
SIMILAR_FACTOR = 2.0
MIN_GROUP = 3


def department_of(code: str) -> str:
    """INSEE département of a commune code: 3 characters overseas (971..976), else 2 (2A/2B included)."""
    return code[:3] if code.startswith("97") else code[:2]


def _similar(values: dict, own: float, factor: float) -> set:
    if not own:
        return set()
    return {code for code, value in values.items() if value and own / factor <= value <= own * factor}


@reads_from_replica
def recorded_evaluation(commune: Commune) -> dict:
    """Per family, the commune's SSMSI before/after against comparable non-adopting communes."""
    if commune.adopted_on is None:
        return {"available": False, "message": _("La commune n'a pas de date d'adhésion.")}
    adoption = commune.adopted_on.year
    wanted = [adoption + k for k in range(-YEARS, YEARS + 1) if k]
    rows = counts.ssmsi_department_years(prefix=department_of(commune.code), years=wanted)
    present = sorted({year for code, year, *_rest in rows if code == commune.code})
    before = [y for y in present if y < adoption]
    after = [y for y in present if y > adoption]
    if not before or not after:
        return {
            "available": False,
            "message": _(
                "Délinquance enregistrée (SSMSI) : il faut au moins une année complète avant et une après l'année "
                "d'adhésion (%(year)d), qui n'est comptée dans aucune des deux ; le fichier importé couvre %(years)s."
            )
            % {"year": adoption, "years": ", ".join(map(str, present)) or _("aucune année")},
        }
    adopters = set(Commune.objects.filter(adopted_on__isnull=False).values_list("code", flat=True))
    years = before + after
    results = []
    for family in Family.values:
        table = {(code, year): (n, pop) for code, year, fam, n, pop in rows if fam == family}
        own = [table.get((commune.code, y), (None, None)) for y in years]
        if any(n is None for n, _pop in own):
            continue
        complete = {
            code
            for code, _year in table
            if code != commune.code
            and code not in adopters
            and all(table.get((code, y), (None, None))[0] is not None for y in years)
        }
        results.append(_family_result(commune, family, table, before, after, complete))
    return {
        "available": bool(results),
        "adoption_year": adoption,
        "before_years": before,
        "after_years": after,
        "rows": results,
        "message": "" if results else _("Délinquance enregistrée (SSMSI) : chiffres non diffusés sur ces années."),
    }


def _family_result(commune, family, table, before, after, complete) -> dict:
    def total(code, years):
        return sum(table[(code, y)][0] for y in years)

    population = {code: max((table[(code, y)][1] or 0) for y in before) for code in complete | {commune.code}}
    own_population = population[commune.code]
    rates = {code: total(code, before) / population[code] for code in complete if population[code]}
    own_rate = total(commune.code, before) / own_population if own_population else None
    group = _similar(population, own_population, SIMILAR_FACTOR) & _similar(rates, own_rate, SIMILAR_FACTOR)
    kind = "similar"
    if len(group) < MIN_GROUP:
        group, kind = complete, "department"
    group = sorted(group)
    dispersion = dispersion_two_way(np.array([[table[(code, y)][0] for y in before + after] for code in group]))
    a, b = total(commune.code, before), total(commune.code, after)
    c, d = sum(total(code, before) for code in group), sum(total(code, after) for code in group)
    plain = before_after(
        before=a, after=b, months_before=12 * len(before), months_after=12 * len(after), dispersion=dispersion
    )
    comparison = (
        against_comparison(treated_before=a, treated_after=b, control_before=c, control_after=d, dispersion=dispersion)
        if group
        else {"published": False, "sentence": _("aucune commune comparable dans le département")}
    )
    return {
        "family": family,
        "family_label": str(Family(family).label),
        **plain.__dict__,
        "comparison": comparison,
        "comparison_kind": kind,
        "comparison_communes": len(group),
        "comparison_label": (
            _("%(n)d communes comparables du département (population et taux avant à un facteur 2 près)")
            if kind == "similar"
            else _("tendance du département (%(n)d communes sans le dispositif)")
        )
        % {"n": len(group)},
        "before_display": count_display(a),
        "after_display": count_display(b),
    }
