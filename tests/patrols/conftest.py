"""Four communes side by side (A, B, C, D, west to east, 0.02° wide each, borders on the meridians
5.02, 5.04, 5.06): Alpha's own municipal police covers A; a shared police covers B and C (an
intercommunality's agents); nobody's sector covers D. One absence in force in each commune."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from patrols import services
from tests.auth import resident_client, staff_client
from tests.browser.conftest import categories, chromium, live_server_process, server, static_root  # noqa: F401
from tests.factories import UserFactory, make_commune, make_neighbourhood, make_police_sector, make_resident, make_role
from zones.models import PoliceService
from zones.services import police_service_create

HOME_A = Point(5.010, 43.010, srid=4326)
HOME_B = Point(5.030, 43.010, srid=4326)
HOME_C = Point(5.050, 43.010, srid=4326)
HOME_D = Point(5.070, 43.010, srid=4326)


@dataclass
class PatrolWorld:
    communes: dict
    services: dict
    people: dict
    absences: dict = field(default_factory=dict)

    def client(self, role: str) -> Client:
        user = self.people.get(role)
        if user is None:
            return Client()
        if role.startswith(("police", "mayor", "moderator")):
            return staff_client(user)
        return resident_client(user)


def today() -> datetime.date:
    return timezone.localdate()


def declare(resident, *, days_from=-1, days_to=5, **details):
    return services.absence_create(
        resident=resident,
        residence=resident.residence,
        starts_on=today() + datetime.timedelta(days=days_from),
        ends_on=today() + datetime.timedelta(days=days_to),
        **details,
    )


def agent_of(service) -> object:
    user = UserFactory()
    make_role(user=user, kind=Role.Kind.POLICE_AGENT, police_service=service)
    return user


@pytest.fixture
def patrol_world(db) -> PatrolWorld:
    communes = {
        key: make_commune(code=f"9900{i}", name=name, bounds=(5.0 + 0.02 * i, 43.0, 5.02 + 0.02 * i, 43.02))
        for i, (key, name) in enumerate([("a", "Alpha"), ("b", "Beta"), ("c", "Gamma"), ("d", "Delta")])
    }
    make_neighbourhood(commune=communes["a"], name="Centre", bounds=(5.0, 43.0, 5.02, 43.02), households=500)
    alpha = police_service_create(name="Police municipale d'Alpha", communes=[communes["a"]])
    shared = police_service_create(
        name="Police intercommunale Beta-Gamma",
        communes=[communes["b"], communes["c"]],
        kind=PoliceService.Kind.INTERCOMMUNAL,
    )
    make_police_sector(service=alpha, commune=communes["a"], name="Alpha", bounds=(5.0, 43.0, 5.02, 43.02))
    make_police_sector(service=shared, commune=communes["b"], name="Beta", bounds=(5.02, 43.0, 5.04, 43.02))
    make_police_sector(service=shared, commune=communes["c"], name="Gamma", bounds=(5.04, 43.0, 5.06, 43.02))
    people = {
        "resident_a": make_resident(commune=communes["a"], home=HOME_A),
        "neighbour_a": make_resident(commune=communes["a"], home=Point(5.011, 43.011, srid=4326)),
        "resident_b": make_resident(commune=communes["b"], home=HOME_B),
        "resident_c": make_resident(commune=communes["c"], home=HOME_C),
        "resident_d": make_resident(commune=communes["d"], home=HOME_D),
        "police_a": agent_of(alpha),
        "police_shared": agent_of(shared),
        "mayor_a": UserFactory(),
        "moderator_a": UserFactory(),
    }
    make_role(user=people["mayor_a"], kind=Role.Kind.MAYOR, commune=communes["a"])
    make_role(user=people["moderator_a"], kind=Role.Kind.MODERATOR, commune=communes["a"])
    world = PatrolWorld(communes, {"alpha": alpha, "shared": shared}, people)
    for key in "abcd":
        world.absences[key] = declare(people[f"resident_{key}"], contact_phone="0600000000")
    return world
