"""The police chief's weekly figures: counted over the homes of their sectors only, small numbers
shown "< 5" as everywhere else."""

import datetime
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from patrols.figures import weekly_figures
from patrols.models import Visit
from tests.factories import make_alert

pytestmark = pytest.mark.django_db


def visits(absence, n):
    for _ in range(n):
        Visit.objects.create(
            absence=absence,
            resident=absence.resident,
            day=timezone.localdate(),
            position=absence.residence.home,
            distance_m=0,
            observation="nothing",
        )


def test_the_week_counts_the_services_homes_and_nothing_else(patrol_world):
    visits(patrol_world.absences["b"], 4)
    visits(patrol_world.absences["c"], 2)
    visits(patrol_world.absences["a"], 3)  # Alpha's, not the shared service's
    burgled = Point(5.0301, 43.0100, srid=4326)  # 8 m from the home in B
    make_alert(commune=patrol_world.communes["b"], location=burgled, status="published")
    make_alert(commune=patrol_world.communes["a"], location=Point(5.0101, 43.0100, srid=4326), status="published")
    make_alert(commune=patrol_world.communes["b"], location=Point(5.0350, 43.0100, srid=4326), status="published")

    [this_week, *older] = weekly_figures(
        service_ids=[patrol_world.services["shared"].id], today=timezone.localdate(), time_zone="Europe/Paris"
    )
    assert (this_week.declared, this_week.visits, this_week.homes_visited, this_week.burglaries) == (2, 6, 2, 1)
    assert len(older) == 7 and all(week.visits == 0 for week in older)


def test_the_page_shows_small_numbers_as_under_five(patrol_world):
    visits(patrol_world.absences["b"], 5)
    page = patrol_world.client("police_shared").get("/patrouille/chiffres/").content.decode()
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in first_row.split("<td>")[1:]] == ["&lt; 5", "5", "&lt; 5", "&lt; 5"]


def crime(commune, location, *, family="burglary", month=None):
    from maps.models import RecordedCrime

    month = month or timezone.localdate().replace(day=1)
    return RecordedCrime.objects.create(
        source=RecordedCrime.Source.POLICE_UK,
        family=family,
        category=family,
        month=month,
        year=month.year,
        location=location,
        commune=commune,
        commune_code=commune.code,
        count=1,
        dedup_key=uuid.uuid4(),
    )


def test_recorded_burglaries_count_near_watched_homes_by_month_and_no_data_is_not_zero(patrol_world):
    from maps.statistics.patrol_crime import recorded_burglaries_near_watched_homes

    beta, alpha = patrol_world.communes["b"], patrol_world.communes["a"]
    for step in range(6):  # anonymised points of the street, within 250 m of the home in B (5.030, 43.010)
        crime(beta, Point(5.030 + 0.0005 * step, 43.0105, srid=4326))
    crime(beta, Point(5.0390, 43.0190, srid=4326))  # over a kilometre away
    crime(beta, Point(5.0301, 43.0101, srid=4326), family="theft")  # not a burglary
    crime(alpha, Point(5.0101, 43.0101, srid=4326))  # near a home of another service
    today = timezone.localdate()

    [this_month, *earlier] = recorded_burglaries_near_watched_homes(
        service_ids=[patrol_world.services["shared"].id], first=today - datetime.timedelta(days=62), last=today
    )
    assert (this_month.month, this_month.has_data, this_month.burglaries) == (today.replace(day=1), True, 6)
    assert earlier and not any(month.has_data for month in earlier)

    page = patrol_world.client("police_shared").get("/patrouille/chiffres/").content.decode()
    table = page.split('class="patrol-recorded"')[1].split("</table>")[0]
    cells = [cell.split("</td>")[0] for cell in table.split("<td>")[1:]]
    assert cells[0] == "6" and set(cells[1:]) == {"pas de données importées"}
