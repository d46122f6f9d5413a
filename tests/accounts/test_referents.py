"""Référents: named and ended by the town hall, their charter, the neighbours they may read (first
name and street of those who agreed, nothing else), and the registration a référent starts for a
neighbour who completes it. Every référent action leaves a line in the access log."""

import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import referents
from accounts.models import AccessLog, Referent, ReferentInvitation, Residence, Role, User
from accounts.selectors import street_of
from delivery.models import NotificationPreference
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_commune, make_neighbourhood, make_referent, make_resident, make_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    commune = make_commune()
    other = make_commune(code="99002", name="Loinville", bounds=(5.02, 43.0, 5.04, 43.02))
    north = make_neighbourhood(commune=commune, name="Nord", bounds=(5.0, 43.01, 5.02, 43.02))
    south = make_neighbourhood(commune=commune, name="Sud", bounds=(5.0, 43.0, 5.02, 43.01))
    elsewhere = make_neighbourhood(commune=other, name="Centre", bounds=(5.02, 43.0, 5.04, 43.02))
    mayor = UserFactory()
    make_role(user=mayor, kind=Role.Kind.MAYOR, commune=commune)
    places = {"commune": commune, "other": other, "north": north, "south": south, "elsewhere": elsewhere}
    return type("Town", (), {**places, "mayor": mayor})


def resident(commune, lon, lat, *, address="12 bis rue des Lilas, 99001 Testville", name="Camille Martin", **kwargs):
    user = make_resident(
        commune=commune, home=Point(lon, lat, srid=4326), user=UserFactory(display_name=name), **kwargs
    )
    Residence.objects.filter(user=user).update(address=address)
    return user


# --- naming and ending ----------------------------------------------------------------------


def test_the_mayor_names_a_verified_resident_from_the_town_hall_page(town):
    person = resident(town.commune, 5.01, 43.015)
    client = staff_client(town.mayor)

    response = client.post(
        "/mairie/referents/",
        {"email": person.email.upper(), "neighbourhoods": [town.north.id], "starts_on": timezone.localdate()},
    )

    assert response.status_code == 302
    term = Referent.objects.get(user=person)
    assert (term.commune, term.named_by, list(term.neighbourhoods.all())) == (town.commune, town.mayor, [town.north])
    assert person.email in client.get("/mairie/referents/").content.decode()


def test_only_verified_residents_of_the_commune_can_be_named(town):
    pending = resident(town.commune, 5.01, 43.015, status=Residence.Status.PENDING)
    outsider = resident(town.other, 5.03, 43.01)
    for person in (pending, outsider):
        with pytest.raises(ValidationError):
            referents.referent_name(
                named_by=town.mayor, commune=town.commune, user=person, neighbourhoods=[town.north]
            )
    response = staff_client(town.mayor).post(
        "/mairie/referents/", {"email": outsider.email, "neighbourhoods": [town.north.id], "starts_on": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "domicile est vérifié" in response.content.decode()
    assert not Referent.objects.exists()


def test_neighbourhoods_of_another_commune_are_refused(town):
    person = resident(town.commune, 5.01, 43.015)
    with pytest.raises(ValidationError):
        referents.referent_name(
            named_by=town.mayor, commune=town.commune, user=person, neighbourhoods=[town.elsewhere]
        )
    assert not Referent.objects.exists()


def test_municipal_staff_names_only_with_the_right(town):
    person = resident(town.commune, 5.01, 43.015)
    agent = UserFactory()
    role = make_role(user=agent, kind=Role.Kind.MUNICIPAL_STAFF, commune=town.commune)
    assert staff_client(agent).get("/mairie/referents/").status_code == 404
    with pytest.raises(PermissionDenied):
        referents.referent_name(named_by=agent, commune=town.commune, user=person, neighbourhoods=[town.north])

    role.can_name_referents = True
    role.save()
    referents.referent_name(named_by=agent, commune=town.commune, user=person, neighbourhoods=[town.north])
    assert staff_client(agent).get("/mairie/referents/").status_code == 200


def test_ending_a_term_closes_the_referent_pages(town):
    person = resident(town.commune, 5.01, 43.015)
    term = make_referent(user=person, neighbourhoods=[town.north])
    client = resident_client(person)
    assert client.get("/referent/").status_code == 200

    assert staff_client(town.mayor).post(f"/mairie/referents/{term.id}/fin/").status_code == 302

    term.refresh_from_db()
    assert term.ended_by == town.mayor
    assert client.get("/referent/").status_code == 403
    assert client.get("/referent/messages/").status_code == 403


def test_a_term_not_started_or_over_gives_no_referent_page(town):
    person = resident(town.commune, 5.01, 43.015)
    today = timezone.localdate()
    make_referent(user=person, neighbourhoods=[town.north], starts_on=today + timedelta(days=3))
    make_referent(
        user=person,
        neighbourhoods=[town.north],
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=1),
    )
    assert resident_client(person).get("/referent/").status_code == 403


# --- the référent's charter and neighbours ------------------------------------------------------


def test_the_referent_accepts_their_own_charter_before_anything_else(town):
    person = resident(town.commune, 5.01, 43.015)
    make_referent(user=person, neighbourhoods=[town.north], charter=False)
    client = resident_client(person)

    page = client.get("/referent/").content.decode()
    assert 'id="referent-charter"' in page and "referent-neighbours" not in page
    assert client.post("/referent/inviter/", {"first_name": "Jo", "email": "jo@example.org"}).status_code == 403
    assert not AccessLog.objects.exists()

    client.post("/referent/charte/")

    assert Referent.objects.get(user=person).charter_version == referents.REFERENT_CHARTER_VERSION
    assert "Aucun voisin" in client.get("/referent/").content.decode()


def test_the_referent_reads_first_name_and_street_of_consenting_neighbours_only(town):
    referent = resident(town.commune, 5.01, 43.015, name="Louise")
    make_referent(user=referent, neighbourhoods=[town.north])
    visible = resident(
        town.commune, 5.005, 43.012, name="Bernadette Dupuis", address="1487 ter avenue Foch, 99001 Testville"
    )
    resident(town.commune, 5.006, 43.013, name="Hector Secret", address="3 impasse Cachée")
    south = resident(town.commune, 5.006, 43.003, name="Sudiste Loin", address="8 rue du Sud")
    pending = resident(town.commune, 5.007, 43.014, name="Attente Encore", status=Residence.Status.PENDING)
    Residence.objects.filter(user__in=[visible, south, pending]).update(visible_to_referents=True)
    NotificationPreference.objects.create(user=visible, phone_number="+33612345678")

    response = resident_client(referent).get("/referent/")

    page = response.content.decode()
    table = re.search(r'<table class="neighbours".*?</table>', page, re.S).group(0)
    assert "Bernadette" in table and "avenue Foch" in table
    for leak in (
        "Dupuis",
        "1487",
        "ter avenue",
        visible.email,
        "612345678",
        "Hector",
        "Sudiste",
        "Attente",
        "43.012",
        "5.005",
    ):
        assert leak not in page, leak
    log = AccessLog.objects.get()
    assert (log.viewer, log.kind, log.commune) == (referent, AccessLog.Kind.REFERENT_RESIDENTS, town.commune)


def test_the_resident_turns_visibility_on_and_off_from_the_account_page(town):
    person = resident(town.commune, 5.005, 43.012)
    client = resident_client(person)
    assert not Residence.objects.get(user=person).visible_to_referents

    client.post("/compte/referents/", {"visible": "1"})
    assert Residence.objects.get(user=person).visible_to_referents
    client.post("/compte/referents/", {"visible": "0"})
    assert not Residence.objects.get(user=person).visible_to_referents


@pytest.mark.parametrize(
    "address, street",
    [
        ("12 bis rue des Lilas, 99001 Testville", "rue des Lilas"),
        ("3B chemin Vert", "chemin Vert"),
        ("7-9 place de la Mairie", "place de la Mairie"),
        ("rue sans numéro", "rue sans numéro"),
        ("  21 , allée des Pins", ""),
    ],
)
def test_a_street_never_carries_the_house_number(address, street):
    assert street_of(address) == street


# --- registration help ------------------------------------------------------------------------


def invitation_link(message) -> str:
    return re.search(r"https?://\S+(/inscription/invitation/\S+/)", message.body).group(1)


def test_a_neighbour_completes_the_registration_a_referent_started(town, django_capture_on_commit_callbacks):
    referent = resident(town.commune, 5.01, 43.015, name="Louise")
    make_referent(user=referent, neighbourhoods=[town.north])
    client = resident_client(referent)

    response = client.post("/referent/inviter/", {"first_name": "Marcel", "email": "Marcel@Example.org"})
    assert response.status_code == 302
    invitation = ReferentInvitation.objects.get()
    referents.referent_invitation_email_send(invitation_id=invitation.id)  # what the Celery task does
    assert mail.outbox[-1].to == ["marcel@example.org"] and "Marcel" in mail.outbox[-1].body
    link = invitation_link(mail.outbox[-1])
    assert AccessLog.objects.filter(kind=AccessLog.Kind.REFERENT_INVITATION, object_id=invitation.id).exists()

    neighbour = type(client)()
    form = neighbour.get(link)
    assert form.status_code == 200 and "Marcel" in form.content.decode()
    done = neighbour.post(
        link,
        {"display_name": "Marcel", "password1": "un voisin bien tranquille", "password2": "un voisin bien tranquille"},
    )

    assert done.status_code == 302 and done["Location"].startswith("/charte/")
    user = User.objects.get(email="marcel@example.org")
    assert user.is_active and user.email_confirmed_at is not None
    invitation.refresh_from_db()
    assert invitation.user == user and invitation.completed_at is not None
    # The normal way in goes on: home and proof are the neighbour's to give.
    assert not Residence.objects.filter(user=user).exists()
    assert type(client)().get(link).status_code == 400  # a link serves once


def test_an_expired_or_forged_invitation_is_refused(town):
    referent = resident(town.commune, 5.01, 43.015)
    make_referent(user=referent, neighbourhoods=[town.north])
    invitation = referents.referent_invitation_create(user=referent, first_name="Jo", email="jo@example.org")
    path = f"/inscription/invitation/{referents.invitation_token(invitation)}/"
    ReferentInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = type(resident_client(referent))()

    expired = client.post(
        path,
        {"display_name": "Jo", "password1": "un voisin bien tranquille", "password2": "un voisin bien tranquille"},
    )

    assert expired.status_code == 400 and "expiré" in expired.content.decode()
    assert client.get("/inscription/invitation/faux/").status_code == 400
    assert not User.objects.filter(email="jo@example.org").exists()


def test_a_referent_cannot_start_endless_registrations(town, settings):
    settings.ACCOUNTS_REFERENT_INVITATIONS_PER_DAY = 2
    referent = resident(town.commune, 5.01, 43.015)
    make_referent(user=referent, neighbourhoods=[town.north])
    client = resident_client(referent)
    for n in range(2):
        assert client.post("/referent/inviter/", {"first_name": "A", "email": f"a{n}@example.org"}).status_code == 302
    refused = client.post("/referent/inviter/", {"first_name": "A", "email": "a9@example.org"})
    assert refused.status_code == 400 and "demain" in refused.content.decode()
    assert client.post("/referent/inviter/", {"first_name": "", "email": "pas-une-adresse"}).status_code == 400
    assert ReferentInvitation.objects.count() == 2


def test_the_referent_page_and_charter_read_in_english(town):
    person = resident(town.commune, 5.01, 43.015)
    make_referent(user=person, neighbourhoods=[town.north], charter=False)

    page = resident_client(person).get("/referent/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "I am a relay, not an investigator" in page
    assert "undertake to respect it" in page
    assert "Je suis un relais" not in page
