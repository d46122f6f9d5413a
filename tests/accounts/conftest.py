"""Two joined communes side by side (A west, B east, sharing the meridian 5.02), one commune
that has not joined (C), a police service for A, and one person per role."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from accounts.models import Residence, Role, User
from accounts.selectors import charter_current
from accounts.services import charter_accept, proof_upload
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_commune, make_neighbourhood, make_resident, make_role
from zones.services import police_service_create

JOINED = datetime.date(2025, 1, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@dataclass
class World:
    commune_a: object
    commune_b: object
    commune_c: object
    north_a: object
    south_a: object
    police_a: object
    people: dict

    def client(self, role: str) -> Client:
        user = self.people.get(role)
        if user is None:
            return Client()
        if role in STAFF_ROLES:
            return staff_client(user)
        return resident_client(user)


STAFF_ROLES = {"moderator_a", "moderator_b", "police_a", "staff_a", "mayor_a", "admin"}
ROLES = [
    "anonymous",
    "unverified",
    "resident_a",
    "moderator_a",
    "moderator_b",
    "police_a",
    "staff_a",
    "mayor_a",
    "admin",
]


def resident(commune, home, *, status=Residence.Status.VERIFIED, charter=True, **kwargs) -> User:
    user = make_resident(commune=commune, home=home, status=status, user=UserFactory(**kwargs))
    if charter:
        charter_accept(user=user, charter=charter_current())
    return user


@pytest.fixture
def world(db) -> World:
    commune_a = make_commune(code="99001", name="Alpha", bounds=(5.0, 43.0, 5.02, 43.02), adopted_on=JOINED)
    commune_b = make_commune(code="99002", name="Beta", bounds=(5.02, 43.0, 5.04, 43.02), adopted_on=JOINED)
    commune_c = make_commune(code="99003", name="Gamma", bounds=(5.04, 43.0, 5.06, 43.02))
    north_a = make_neighbourhood(commune=commune_a, name="Nord", bounds=(5.0, 43.01, 5.02, 43.02))
    south_a = make_neighbourhood(commune=commune_a, name="Sud", bounds=(5.0, 43.0, 5.02, 43.01))
    police_a = police_service_create(name="Police municipale d'Alpha", communes=[commune_a])
    people = {
        "unverified": resident(commune_a, Point(5.005, 43.005, srid=4326), status=Residence.Status.PENDING),
        "resident_a": resident(commune_a, Point(5.005, 43.015, srid=4326)),
        "resident_b": resident(commune_b, Point(5.03, 43.01, srid=4326)),
        "admin": User.objects.create_superuser(email="root@example.org", password="correct horse battery"),
    }
    for role, kind, commune, extra in [
        ("moderator_a", Role.Kind.MODERATOR, commune_a, {}),
        ("moderator_b", Role.Kind.MODERATOR, commune_b, {}),
        ("staff_a", Role.Kind.MUNICIPAL_STAFF, commune_a, {"can_verify_residents": True}),
        ("mayor_a", Role.Kind.MAYOR, commune_a, {}),
    ]:
        people[role] = UserFactory()
        make_role(user=people[role], kind=kind, commune=commune, **extra)
    people["police_a"] = UserFactory()
    make_role(user=people["police_a"], kind=Role.Kind.POLICE_AGENT, police_service=police_a)
    return World(commune_a, commune_b, commune_c, north_a, south_a, police_a, people)


@pytest.fixture
def homes(world):
    """A home waiting for a decision in each commune, each with its proof in storage, and a verified
    home in A."""
    waiting_a = world.people["unverified"]
    waiting_b = resident(world.commune_b, Point(5.025, 43.005, srid=4326), status=Residence.Status.PENDING)
    for person in (waiting_a, waiting_b):
        proof_upload(user=person, upload=upload("f.pdf", PDF))
    decided_a = world.people["resident_a"]
    return {"a": waiting_a.residence.pk, "b": waiting_b.residence.pk, "decided_a": decided_a.residence.pk}


# Where the alerts of `subjects` happened: digits that appear nowhere else in any answer.
EXACT = {
    "pending_a": (5.011371, 43.012913),
    "published_a": (5.012739, 43.004197),
    "pending_b": (5.031371, 43.012917),
    "published_b": (5.032739, 43.004193),
}


@pytest.fixture
def subjects(world, homes, private_storage):
    """What the access tables point at, by the name used in their URLs: the pending homes above, an
    alert of each commune waiting for moderation (posted by a resident of that commune) and one
    published, an event of each published one in the stream of a police service of its commune, a
    message in the inbox of a resident of each commune, a town-hall broadcast of each commune, and
    the communes' codes and ids; a photo of each alert (reviewable on the pending ones, blurred on the
    published ones), in a private storage of the test's own."""
    from accounts.models import DeskStep
    from alerts.models import AlertEvent
    from delivery.models import Broadcast, Delivery, FollowedPlace
    from tests.factories import make_alert, make_alert_photo
    from tests.solidarity.world import solidarity_subjects

    people = world.people
    # Distinctive coordinates, so a test can search any answer for an exact location.
    pending_a = make_alert(
        commune=world.commune_a, location=Point(*EXACT["pending_a"], srid=4326), author=people["resident_a"]
    )
    published_a = make_alert(
        commune=world.commune_a, location=Point(*EXACT["published_a"], srid=4326), status="published"
    )
    pending_b = make_alert(
        commune=world.commune_b, location=Point(*EXACT["pending_b"], srid=4326), author=people["resident_b"]
    )
    published_b = make_alert(
        commune=world.commune_b, location=Point(*EXACT["published_b"], srid=4326), status="published"
    )
    # The police event stream: A's service has the alert of A, a service of B the alert of B.
    police_b = police_service_create(name="Police municipale de Beta", communes=[world.commune_b])
    for service, alert in [(world.police_a, published_a), (police_b, published_b)]:
        AlertEvent.objects.create(police_service=service, alert=alert, kind=AlertEvent.Kind.PUBLISHED)
    deliveries = {
        key: Delivery.objects.create(recipient=people[person], kind=Delivery.Kind.ALERT, alert=alert).pk
        for key, person, alert in [
            ("delivery_a", "resident_a", published_a),
            ("delivery_b", "resident_b", published_b),
        ]
    }
    broadcasts = {
        key: Broadcast.objects.create(
            commune=commune,
            author=None,
            kind=Broadcast.Kind.INFORMATION,
            title="Travaux",
            body="Rue fermée.",
            target=Broadcast.Target.COMMUNE,
        ).pk
        for key, commune in [("broadcast_a", world.commune_a), ("broadcast_b", world.commune_b)]
    }
    # A place each resident follows, for the pages of followed places.
    followed = {
        key: FollowedPlace.objects.create(
            user=people[person],
            label="Rue de ma mère",
            commune=commune,
            centre=Point(lon, 43.01, srid=4326),
            radius_m=500,
            area=Point(lon, 43.01, srid=4326).buffer(0.005),
        ).pk
        for key, person, commune, lon in [
            ("followed_a", "resident_a", world.commune_a, 5.01),
            ("followed_b", "resident_b", world.commune_b, 5.03),
        ]
    }
    photos = {
        f"photo_{key}": make_alert_photo(alert=alert).pk
        for key, alert in [
            ("pending_a", pending_a),
            ("published_a", published_a),
            ("pending_b", pending_b),
            ("published_b", published_b),
        ]
    }
    # A resident of each commune registered at the town hall's desk (tests/delivery/test_desk.py).
    desk = {}
    for key, person, agent in [("desk_a", "resident_a", "staff_a"), ("desk_b", "resident_b", "admin")]:
        DeskStep.objects.create(
            resident=people[person], agent=people[agent], agent_email=people[agent].email, kind="account_created"
        )
        desk[key] = people[person].pk
    return {
        **homes,
        **photos,
        **desk,
        "pending_a": pending_a.pk,
        "published_a": published_a.pk,
        "pending_b": pending_b.pk,
        "published_b": published_b.pk,
        **deliveries,
        **broadcasts,
        **followed,
        "commune_a": world.commune_a.pk,
        "commune_b": world.commune_b.pk,
        "code_a": world.commune_a.code,
        "code_b": world.commune_b.code,
        "code_c": world.commune_c.code,
        **solidarity_subjects(world),
    }
