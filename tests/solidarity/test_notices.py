"""Neighbours learn of mutual help where they learn of alerts: a published request reaches each
verified resident of its neighbourhood once, in the inbox and by the channels they chose; the author
learns of an offer, the helper of the acceptance; a withdrawn request leaves unread inboxes."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from accounts.models import Role
from accounts.selectors import verified_residence
from accounts.services import user_delete
from delivery.channels import push as push_channel
from delivery.channels.email import email_parts
from delivery.channels.sms import sms_text
from delivery.devices import push_subscription_save
from delivery.messages import message_of
from delivery.models import Delivery, NotificationPreference
from delivery.sending import deliveries_send
from partitions.monthly import month_of
from solidarity import notices
from solidarity.models import CommuneSolidarityRules, SolidarityRequest
from solidarity.services import (
    RequestInput,
    SolidarityRefused,
    solidarity_offer_decide,
    solidarity_offer_make,
    solidarity_request_moderate,
    solidarity_request_post,
    solidarity_request_resolve,
)
from tests.accounts.conftest import resident
from tests.auth import resident_client
from tests.delivery.processes import wait_for
from tests.factories import make_role

pytestmark = pytest.mark.django_db
DETAILS = "Au 2e étage, sonner deux fois, Mme Lucette Garnier."
CHECK_ON = RequestInput(kind="check_on", person="elderly_alone", reason="heatwave", details=DETAILS)


def posted(world, data: RequestInput = CHECK_ON) -> SolidarityRequest:
    author = world.people["resident_a"]
    return solidarity_request_post(author=author, residence=verified_residence(author), data=data)


def publish(world, request: SolidarityRequest) -> SolidarityRequest:
    return solidarity_request_moderate(request=request, moderator=world.people["moderator_a"], action="publish")


def told(request: SolidarityRequest) -> list[int]:
    return sorted(
        Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY, notice_id=request.pk).values_list(
            "recipient_id", flat=True
        )
    )


@pytest.fixture
def police_neighbour(world):
    """A police agent who lives in Nord, verified like any neighbour."""
    agent = resident(world.commune_a, Point(5.008, 43.015, srid=4326))
    make_role(user=agent, kind=Role.Kind.POLICE_AGENT, police_service=world.police_a)
    return agent


def test_publishing_tells_each_neighbour_once_and_nobody_else(
    world, neighbours, police_neighbour, django_capture_on_commit_callbacks
):
    request = posted(world)
    assert request.neighbourhood == world.north_a
    assert told(request) == []  # waiting for a moderator: nobody is told yet

    with django_capture_on_commit_callbacks() as queued:
        request = publish(world, request)

    assert told(request) == sorted([neighbours["helper"].pk, neighbours["other"].pk])
    assert len(queued) == 1  # the sending goes after commit
    # Not the author, not Sud, not commune B, not an unverified home, not the police agent next door.
    for outsider in (
        world.people["resident_a"],
        neighbours["south"],
        world.people["resident_b"],
        world.people["unverified"],
        police_neighbour,
        world.people["police_a"],
    ):
        assert not Delivery.objects.filter(recipient=outsider).exists()
    deliveries = Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY, notice_id=request.pk)
    assert {d.month for d in deliveries} == {month_of(request.published_at)}
    assert all(d.alert_id is None and d.broadcast_id is None for d in deliveries)

    # Publishing again is refused, and telling again (a retry) tells nobody twice.
    with pytest.raises(SolidarityRefused):
        publish(world, request)
    assert notices.request_neighbours_tell(request=request) == 0
    assert told(request) == sorted([neighbours["helper"].pk, neighbours["other"].pk])


def test_light_moderation_tells_the_neighbours_at_once(world, neighbours):
    CommuneSolidarityRules.objects.create(commune=world.commune_a, light_moderation=True)
    request = posted(world, RequestInput(kind="help_wanted", what="Porter une armoire au grenier"))
    assert request.status == SolidarityRequest.Status.PUBLISHED
    assert told(request) == sorted([neighbours["helper"].pk, neighbours["other"].pk])


def test_channels_and_quiet_hours_apply_and_it_is_never_urgent(world, neighbours):
    NotificationPreference.objects.create(
        user=neighbours["helper"], by_email=False, by_sms=True, phone_number="+33600000001"
    )
    NotificationPreference.objects.create(user=neighbours["other"], by_email=False)
    request = publish(world, posted(world))
    helper = Delivery.objects.get(notice_id=request.pk, recipient=neighbours["helper"])
    other = Delivery.objects.get(notice_id=request.pk, recipient=neighbours["other"])
    assert (helper.email_status, helper.sms_status, helper.status) == ("skipped", "pending", "pending")
    assert (other.status, other.reason) == ("skipped", "inbox_only")  # the inbox, always


def test_an_offer_tells_the_author_and_an_acceptance_the_helper_once_each(world, neighbours):
    author, helper = world.people["resident_a"], neighbours["helper"]
    request = publish(world, posted(world))
    offer = solidarity_offer_make(request=request, helper=helper, note="J'habite à côté")

    to_author = Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY_OFFER, notice_id=offer.pk)
    assert list(to_author.values_list("recipient_id", flat=True)) == [author.pk]
    with pytest.raises(SolidarityRefused):
        solidarity_offer_make(request=request, helper=helper)
    assert notices.offer_author_tell(offer=offer) is False
    assert to_author.count() == 1
    assert not Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY_ACCEPTED).exists()

    solidarity_offer_decide(offer=offer, author=author, accept=True)
    to_helper = Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY_ACCEPTED, notice_id=offer.pk)
    assert list(to_helper.values_list("recipient_id", flat=True)) == [helper.pk]
    with pytest.raises(SolidarityRefused):
        solidarity_offer_decide(offer=offer, author=author, accept=True)
    assert notices.acceptance_helper_tell(offer=offer) is False
    assert to_helper.count() == 1


def test_a_declined_offer_tells_the_helper_nothing(world, neighbours):
    request = publish(world, posted(world))
    offer = solidarity_offer_make(request=request, helper=neighbours["helper"])
    solidarity_offer_decide(offer=offer, author=world.people["resident_a"], accept=False)
    assert not Delivery.objects.filter(kind=Delivery.Kind.SOLIDARITY_ACCEPTED).exists()


def test_the_inbox_shows_the_request_with_its_link_and_never_its_details(world, neighbours):
    request = publish(world, posted(world))
    client = resident_client(neighbours["helper"])
    delivery = Delivery.objects.get(notice_id=request.pk, recipient=neighbours["helper"])

    inbox = client.get("/messages/").content.decode()
    assert "Prendre des nouvelles d&#x27;une personne isolée" in inbox
    assert f"/messages/{delivery.pk}/" in inbox
    page = client.get(f"/messages/{delivery.pk}/").content.decode()
    assert "Un voisin demande qu&#x27;on prenne des nouvelles d&#x27;une personne isolée (canicule)." in page
    assert f'/entraide/{request.pk}/">Voir sur Vigie</a>' in page
    assert "Garnier" not in page and "2e étage" not in page and "Nord" in page
    assert client.get(f"/entraide/{request.pk}/").status_code == 200


def test_opening_the_request_reads_its_inbox_item(world, neighbours):
    request = publish(world, posted(world))
    resident_client(neighbours["other"]).get(f"/entraide/{request.pk}/")
    delivery = Delivery.objects.get(notice_id=request.pk, recipient=neighbours["other"])
    assert delivery.read_at is not None
    assert Delivery.objects.get(notice_id=request.pk, recipient=neighbours["helper"]).read_at is None


def test_email_sms_and_push_lead_to_the_request_and_carry_no_name_address_or_phone(world, neighbours, settings):
    settings.SITE_URL = "https://vigie.example"
    author = world.people["resident_a"]
    request = publish(
        world,
        posted(
            world,
            RequestInput(kind="lost_animal", species="cat", what="Chat tigré, appeler 06 12 34 56 78", place="rue X"),
        ),
    )
    delivery = Delivery.objects.select_related("recipient").get(notice_id=request.pk, recipient=neighbours["helper"])
    with translation.override("fr"):
        message = message_of(delivery)
        subject, text, _html = email_parts(message)
        sms = sms_text(message)
    assert message.link == f"https://vigie.example/entraide/{request.pk}/"
    assert "Animal perdu près de chez vous : chat" in subject
    assert message.link in text and message.link in sms
    for private in ("06 12 34 56 78", "rue X", "tigré", author.display_name, author.email):
        assert private not in text and private not in sms and private not in message.title


def test_the_texts_are_in_english_for_an_english_reader(world, neighbours):
    request = publish(world, posted(world))
    offer = solidarity_offer_make(request=request, helper=neighbours["helper"])
    solidarity_offer_decide(offer=offer, author=world.people["resident_a"], accept=True)
    with translation.override("en"):
        to_neighbour = message_of(Delivery.objects.get(notice_id=request.pk, recipient=neighbours["other"]))
        to_author = message_of(Delivery.objects.get(kind=Delivery.Kind.SOLIDARITY_OFFER, notice_id=offer.pk))
        to_helper = message_of(Delivery.objects.get(kind=Delivery.Kind.SOLIDARITY_ACCEPTED, notice_id=offer.pk))
    assert to_neighbour.title == "Checking on an isolated person"
    assert to_neighbour.body == "A neighbour asks for someone to check on an isolated person (heatwave)."
    assert to_author.title == "A neighbour offers to help you"
    assert to_helper.title == "Your offer of help was accepted"
    assert to_helper.link.endswith(f"/entraide/conversations/{offer.pk}/")


def test_a_withdrawn_request_leaves_unread_inboxes_and_says_so_to_those_who_read_it(world, neighbours):
    request = publish(world, posted(world))
    resident_client(neighbours["other"]).get(f"/entraide/{request.pk}/")  # read, its email not sent yet

    solidarity_request_moderate(request=request, moderator=world.people["moderator_a"], action="withdraw")

    assert told(request) == [neighbours["other"].pk]
    kept = Delivery.objects.get(notice_id=request.pk)
    assert (kept.status, kept.email_status) == ("skipped", "skipped")
    page = resident_client(neighbours["other"]).get(f"/messages/{kept.pk}/").content.decode()
    article = page.split("<article>")[1].split("</article>")[0]
    assert "Demande d&#x27;entraide retirée" in article and "/entraide/" not in article
    assert "Garnier" not in page


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_each_neighbour_once_with_the_link(world, neighbours, start_worker, sink, settings):
    start_worker(smtp_port=sink.port)
    request = publish(world, posted(world))
    wait_for(lambda: sink.count() == 2, what="the neighbours' emails")
    assert sink.per_recipient() == {neighbours["helper"].email: 1, neighbours["other"].email: 1}
    for email in sink.messages:
        text = email.get_payload()[0].get_payload(decode=True).decode()
        assert f"/entraide/{request.pk}/" in text and "(canicule)" in text and "Garnier" not in text
    wait_for(
        lambda: not Delivery.objects.filter(notice_id=request.pk).exclude(status=Delivery.Status.SENT).exists(),
        what="the deliveries settled",
    )


def test_a_request_of_someone_living_in_no_neighbourhood_tells_the_whole_commune(world, neighbours, police_neighbour):
    request = posted(world)
    SolidarityRequest.objects.filter(pk=request.pk).update(neighbourhood=None)
    request = publish(world, request)
    assert told(request) == sorted(neighbour.pk for neighbour in neighbours.values())


def test_the_push_leads_to_the_request_page_at_normal_urgency(world, neighbours, settings):
    settings.SITE_URL = "https://vigie.example"
    request = publish(world, posted(world))
    delivery = Delivery.objects.select_related("recipient").get(notice_id=request.pk, recipient=neighbours["helper"])
    payload, urgent = push_channel.payload_of(delivery)
    data = json.loads(payload)
    assert data["url"] == f"https://vigie.example/entraide/{request.pk}/"
    assert data["title"] == "Prendre des nouvelles d'une personne isolée"
    assert "Nord" in data["body"] and "(canicule)" in data["body"] and "Garnier" not in data["body"]
    assert not urgent and push_channel.urgency_of(delivery, urgent) == push_channel.NORMAL


def test_a_solved_request_no_longer_leads_to_its_page(world, neighbours):
    request = publish(world, posted(world))
    solidarity_request_resolve(request=request, author=world.people["resident_a"])
    delivery = Delivery.objects.get(notice_id=request.pk, recipient=neighbours["helper"])
    page = resident_client(neighbours["helper"]).get(f"/messages/{delivery.pk}/").content.decode()
    article = page.split("<article>")[1].split("</article>")[0]
    assert "Cette demande n&#x27;est plus ouverte." in article and "/entraide/" not in article


def test_the_notices_of_a_request_deleted_with_its_author_fail_alone(world, neighbours, push_service):
    """Notices still waiting (quiet hours, a retry) when the request's author deletes their account
    fail for good, and only they: the other messages claimed with them are pushed."""
    helper, other = neighbours["helper"], neighbours["other"]
    device = push_service.device()
    push_subscription_save(user=helper, endpoint=device["endpoint"], **device["keys"])
    NotificationPreference.objects.update_or_create(
        user=helper, defaults={"by_push": True, "by_email": False, "by_sms": False}
    )
    deleted = publish(world, posted(world))
    kept = publish(world, solidarity_request_post(author=other, residence=verified_residence(other), data=CHECK_ON))
    user_delete(user=world.people["resident_a"])

    ids = sorted(Delivery.objects.filter(recipient=helper).values_list("id", flat=True))
    assert len(ids) == 2
    assert deliveries_send(delivery_ids=ids) == []  # nothing left to retry

    outcome = {d.notice_id: (d.status, d.push_status, d.reason) for d in Delivery.objects.filter(id__in=ids)}
    assert outcome == {deleted.pk: ("failed", "failed", "refused"), kept.pk: ("sent", "sent", "")}
    assert [item.payload["url"].rsplit("/", 2)[-2] for item in push_service.received] == [str(kept.pk)]
