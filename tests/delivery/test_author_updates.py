"""The author of an alert is told of the moderators' decision and of each follow-up step, once per
step, in the inbox and on the channels they chose (a push on each of their devices here)."""

import pytest
from django.core import mail

from accounts.models import Role
from alerts.follow_up import alert_follow_up_set
from alerts.moderation import alert_publish, alert_redact, alert_reject
from delivery.devices import push_subscription_save
from delivery.messages import message_of
from delivery.models import Delivery
from delivery.notices import alert_author_notify
from delivery.sending import deliveries_send
from tests.delivery.conftest import home, resident_at
from tests.factories import UserFactory, make_alert, make_role

pytestmark = pytest.mark.django_db


def staff(kind: str, **territory):
    user = UserFactory()
    make_role(user=user, kind=kind, **territory)
    return user


def told(author) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient=author, kind=Delivery.Kind.AUTHOR_UPDATE).order_by("id"))


def test_the_author_is_told_of_publication_then_of_each_follow_up_step_once(
    town, django_capture_on_commit_callbacks, push_service
):
    author = resident_at(town, 5.002)
    device = push_service.device()
    push_subscription_save(user=author, endpoint=device["endpoint"], **device["keys"])
    moderator = staff(Role.Kind.MODERATOR, commune=town.commune)
    agent = staff(Role.Kind.POLICE_AGENT, police_service=town.west_service)
    alert = make_alert(commune=town.commune, category="tag", location=home(5.004), author=author)

    with django_capture_on_commit_callbacks(execute=True):
        alert_publish(alert=alert, moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        alert_follow_up_set(alert=alert, actor=agent, follow_up="acknowledged")
    with django_capture_on_commit_callbacks(execute=True):
        alert_follow_up_set(alert=alert, actor=agent, follow_up="closed", outcome="Graffiti effacé.")
    # A second signal for a step already told (the sweeper, a redelivered signal) tells nothing more.
    assert alert_author_notify(alert_id=alert.id, field="follow_up") is False

    deliveries = told(author)
    titles = [message_of(delivery).title for delivery in deliveries]
    assert titles == [
        "Votre alerte a été publiée",
        "Suivi de votre alerte : la police municipale est informée",
        "Suivi de votre alerte : clôturée",
    ]
    assert "Graffiti effacé." in message_of(deliveries[2]).body
    # Never routed to themselves as a neighbour: only these three messages.
    assert Delivery.objects.filter(recipient=author).count() == 3

    assert deliveries_send(delivery_ids=[delivery.id for delivery in deliveries]) == []
    assert [item.payload["title"] for item in push_service.received] == titles
    assert {delivery.email_status for delivery in told(author)} == {"sent"}
    assert len(mail.outbox) == 3


def test_a_rejected_alert_tells_its_author_the_reason(town, django_capture_on_commit_callbacks, push_service):
    author = resident_at(town, 5.002)
    moderator = staff(Role.Kind.MODERATOR, commune=town.commune)
    alert = make_alert(commune=town.commune, category="tag", location=home(5.004), author=author)

    with django_capture_on_commit_callbacks(execute=True):
        alert_reject(alert=alert, moderator=moderator, reason="duplicate", note="Déjà signalée hier à 18 h.")

    [delivery] = told(author)
    message = message_of(delivery)
    assert message.title == "Votre alerte n'a pas été publiée"
    assert "doublon d'une alerte déjà signalée" in message.body
    assert "Déjà signalée hier à 18 h." in message.body
    assert not Delivery.objects.filter(kind=Delivery.Kind.ALERT).exists()


def test_a_redacted_then_published_alert_tells_its_author_once(town, django_capture_on_commit_callbacks):
    author = resident_at(town, 5.002)
    moderator = staff(Role.Kind.MODERATOR, commune=town.commune)
    alert = make_alert(commune=town.commune, category="tag", location=home(5.004), author=author)

    with django_capture_on_commit_callbacks(execute=True):
        alert_redact(alert=alert, moderator=moderator, description="Tag sur le mur de l'école, rue des Lilas.")

    assert [message_of(delivery).title for delivery in told(author)] == ["Votre alerte a été publiée"]


def test_an_alert_without_author_tells_nobody(town, django_capture_on_commit_callbacks):
    moderator = staff(Role.Kind.MODERATOR, commune=town.commune)
    alert = make_alert(commune=town.commune, category="tag", location=home(5.004))
    with django_capture_on_commit_callbacks(execute=True):
        alert_publish(alert=alert, moderator=moderator)
    assert not Delivery.objects.filter(kind=Delivery.Kind.AUTHOR_UPDATE).exists()
