"""A small town for routing tests, and publication the way moderation does it.

Testville runs from lon 5.00 to 5.02. Nord (west, 5.00-5.01) and Sud (east, 5.01-5.02) share the
border lon 5.01. Police sector Ouest (service "PM Testville") covers the west half; sector Est of
another service covers the east half; a third service polices another town far away."""

from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

import tests.workers
from alerts.models import Alert
from alerts.signals import alert_published_on_commit
from config.celery import app as celery_app
from tests.delivery.processes import SmtpSink
from tests.delivery.push_service import PushService, vapid_private_key, vapid_public_key
from tests.factories import make_commune, make_neighbourhood, make_police_sector, make_resident
from tests.workers import WorkerProcess
from zones import services as zone_services

BORDER_LON = 5.01


@dataclass
class Town:
    commune: object
    north: object
    south: object
    west_service: object
    east_service: object
    far_service: object
    west_sector: object
    east_sector: object


def home(lon: float, lat: float = 43.01) -> Point:
    return Point(lon, lat, srid=4326)


def build_town() -> Town:
    commune = make_commune()
    other = make_commune(code="99002", name="Loinville", bounds=(6.0, 44.0, 6.02, 44.02))
    west_service = zone_services.police_service_create(name="PM Testville", communes=[commune])
    east_service = zone_services.police_service_create(name="PM Est", communes=[commune])
    far_service = zone_services.police_service_create(name="PM Loinville", communes=[other])
    make_police_sector(service=far_service, commune=other, name="Centre", bounds=(6.0, 44.0, 6.02, 44.02))
    return Town(
        commune=commune,
        north=make_neighbourhood(commune=commune, name="Nord", bounds=(5.0, 43.0, BORDER_LON, 43.02)),
        south=make_neighbourhood(commune=commune, name="Sud", bounds=(BORDER_LON, 43.0, 5.02, 43.02)),
        west_service=west_service,
        east_service=east_service,
        far_service=far_service,
        west_sector=make_police_sector(
            service=west_service, commune=commune, name="Ouest", bounds=(5.0, 43.0, BORDER_LON, 43.02)
        ),
        east_sector=make_police_sector(
            service=east_service, commune=commune, name="Est", bounds=(BORDER_LON, 43.0, 5.02, 43.02)
        ),
    )


@pytest.fixture
def town(db) -> Town:
    return build_town()


def resident_at(town: Town, lon: float, lat: float = 43.01, **kwargs):
    return make_resident(commune=town.commune, home=home(lon, lat), **kwargs)


def publish(alert: Alert) -> Alert:
    """Publish as moderation does: change the row in a transaction and announce it on commit."""
    with transaction.atomic():
        Alert.objects.filter(id=alert.id).update(status=Alert.Status.PUBLISHED, published_at=timezone.now())
        alert_published_on_commit(alert_id=alert.id)
    alert.refresh_from_db()
    return alert


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """Publish inside a test wrapped in a transaction, running the on-commit callbacks."""

    def _publish(alert: Alert) -> Alert:
        with django_capture_on_commit_callbacks(execute=True):
            return publish(alert)

    return _publish


@pytest.fixture
def start_worker(transactional_db, monkeypatch):
    """Start real workers that send email over SMTP to `port`, with delivery settings for tests."""
    started: list[WorkerProcess] = []
    original_env = tests.workers.worker_env
    celery_app.control.purge()

    def start(*, smtp_port: int, **settings) -> WorkerProcess:
        extra = {
            "DJANGO_SETTINGS_MODULE": "tests.delivery.smtp_settings",
            "VIGIE_TEST_SMTP_PORT": str(smtp_port),
            "ALERTS_DELIVERY_SWEEP_AFTER_S": "0",
            **{key: str(value) for key, value in settings.items()},
        }
        monkeypatch.setattr(tests.workers, "worker_env", lambda: {**original_env(), **extra})
        worker = WorkerProcess()
        started.append(worker)
        worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()
    celery_app.control.purge()


@pytest.fixture
def sink():
    smtp = SmtpSink().start()
    yield smtp
    smtp.stop()


@pytest.fixture
def push_service(settings):
    """A Web Push service on the loopback interface, and the site's VAPID key and address for it."""
    settings.VAPID_PRIVATE_KEY = vapid_private_key()
    settings.SITE_URL = "https://vigie.example"
    service = PushService(application_server_key=vapid_public_key(settings.VAPID_PRIVATE_KEY)).start()
    yield service
    service.stop()


@pytest.fixture
def recording_sms(settings):
    """Text messages go to a recording gateway; inbound webhooks are signed with the test secret."""
    from tests.delivery import sms
    from tests.delivery.inbound_sms import SECRET

    settings.ALERTS_SMS_GATEWAY = "tests.delivery.sms.RecordingSmsGateway"
    settings.DELIVERY_SMS_INBOUND_SECRET = SECRET
    sms.SENT.clear()
    return sms.SENT
