"""Two communes, each watched by its own police service, with agents, residents and a mayor."""

import importlib
from dataclasses import dataclass

from django.contrib.gis.geos import Point

from accounts.models import Role, User
from tests.factories import (
    UserFactory,
    make_commune,
    make_neighbourhood,
    make_police_sector,
    make_resident,
    make_role,
)
from zones.models import Commune, PoliceService, Zone
from zones.services import police_service_create


@dataclass
class World:
    commune: Commune
    other_commune: Commune
    neighbourhood: Zone
    service: PoliceService
    other_service: PoliceService
    sector: Zone
    agent: User
    other_agent: User
    resident: User
    other_resident: User
    mayor: User


def build_world() -> World:
    commune = make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02))
    other = make_commune(code="99002", name="Autreville", bounds=(5.1, 43.0, 5.12, 43.02))
    neighbourhood = make_neighbourhood(commune=commune, name="Centre", bounds=(5.0, 43.0, 5.01, 43.01))
    service = police_service_create(name="PM Testville", communes=[commune])
    other_service = police_service_create(name="PM Autreville", communes=[other])
    sector = make_police_sector(service=service, commune=commune, name="Secteur 1", bounds=(5.0, 43.0, 5.02, 43.02))
    make_police_sector(service=other_service, commune=other, name="Secteur A", bounds=(5.1, 43.0, 5.12, 43.02))
    agent, other_agent, mayor = UserFactory(), UserFactory(), UserFactory()
    make_role(user=agent, kind=Role.Kind.POLICE_AGENT, police_service=service)
    make_role(user=other_agent, kind=Role.Kind.POLICE_AGENT, police_service=other_service)
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=commune)
    resident = make_resident(commune=commune, home=Point(5.005, 43.005, srid=4326))
    other_resident = make_resident(commune=other, home=Point(5.105, 43.005, srid=4326))
    return World(
        commune,
        other,
        neighbourhood,
        service,
        other_service,
        sector,
        agent,
        other_agent,
        resident,
        other_resident,
        mayor,
    )


def ensure_categories() -> None:
    """The alert categories the migrations create, which a transactional test's flush removed.
    (Serialized rollback is not used: restoring every table collides with rows other suites'
    transactional tests leave, and under Playwright the test runs in a greenlet whose Django
    connection object lacks the serialized contents.)"""
    from django.apps import apps

    from alerts.models import AlertCategory

    if not AlertCategory.objects.exists():
        importlib.import_module("alerts.migrations.0002_categories").create_categories(apps, None)
