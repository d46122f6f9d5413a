"""Two neighbouring communes side by side (sharing the border lon=5.02), a resident of each who
accepted the charter, and staff of each territory."""

import pytest
from django.contrib.gis.geos import Point

from accounts.models import CharterAcceptance, CharterVersion, Role
from accounts.selectors import charter_current
from alerts.signals import alert_follow_up_changed, alert_published
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_commune, make_resident, make_role
from zones.services import police_service_create

INSIDE = (5.01, 43.01)
NEIGHBOUR_INSIDE = (5.03, 43.01)


@pytest.fixture
def publication_calls(monkeypatch):
    """Record what alerts announce to the apps above them, instead of routing, for tests asserting
    when and how often the signals are sent."""
    calls = {"published": [], "follow_up_changed": []}
    for signal, key in ((alert_published, "published"), (alert_follow_up_changed, "follow_up_changed")):
        monkeypatch.setattr(signal, "receivers", [])  # delivery's receivers come back after the test

        def record(sender, *, alert_id, key=key, **kwargs):
            calls[key].append(alert_id)

        signal.connect(record, weak=False)
    return calls


@pytest.fixture
def commune(db):
    return make_commune(code="99001", name="Testville", bounds=(5.0, 43.0, 5.02, 43.02))


@pytest.fixture
def neighbour(db):
    return make_commune(code="99002", name="Voisinville", bounds=(5.02, 43.0, 5.04, 43.02))


@pytest.fixture
def charter(db):
    """The charter in force: the one the migrations publish, or a first one if a flush removed it."""
    return charter_current() or CharterVersion.objects.create(
        version=1, text="Informer, jamais intervenir ; n'accuser personne."
    )


def accept(user, charter):
    CharterAcceptance.objects.create(user=user, charter=charter)
    return user


@pytest.fixture
def resident(commune, charter):
    return accept(make_resident(commune=commune, home=Point(5.01, 43.01, srid=4326)), charter)


@pytest.fixture
def neighbour_resident(neighbour, charter):
    return accept(make_resident(commune=neighbour, home=Point(5.03, 43.01, srid=4326)), charter)


@pytest.fixture
def resident_api(resident):
    return resident_client(resident)


def staff(kind: str, **territory):
    user = UserFactory()
    make_role(user=user, kind=kind, **territory)
    return user


@pytest.fixture
def moderator(commune):
    return staff(Role.Kind.MODERATOR, commune=commune)


@pytest.fixture
def moderator_api(moderator):
    return staff_client(moderator)


@pytest.fixture
def neighbour_moderator(neighbour):
    return staff(Role.Kind.MODERATOR, commune=neighbour)


@pytest.fixture
def police_service(commune):
    return police_service_create(name="Police municipale de Testville", communes=[commune])


@pytest.fixture
def police_agent(police_service):
    return staff(Role.Kind.POLICE_AGENT, police_service=police_service)


@pytest.fixture
def municipal_staff(commune):
    return staff(Role.Kind.MUNICIPAL_STAFF, commune=commune)
