"""The photo path with a real Celery worker: the request stores the upload and returns; the worker
re-encodes it, then blurs it when a moderator publishes."""

import pytest

from alerts.models import AlertPhoto
from tests.alerts.test_photos import TRACES, phone_photo, post, stored
from tests.auth import resident_client, staff_client
from tests.delivery.processes import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_storage(settings, tmp_path, monkeypatch):
    """A private storage the worker process sees too (it reads its settings from the environment)."""
    root = tmp_path / "private"
    monkeypatch.setenv("PRIVATE_STORAGE_ROOT", str(root))
    settings.PRIVATE_STORAGE_ROOT = root
    return root


def status_of(photo_id: int) -> str:
    return AlertPhoto.objects.get(pk=photo_id).status


def test_the_worker_cleans_the_photo_then_blurs_it_at_publication(shared_storage, celery_worker, resident, moderator):
    response = post(resident_client(resident), phone_photo(width=1200, height=900))
    assert response.status_code == 302
    photo = AlertPhoto.objects.get()
    assert photo.upload  # the request only stored what came

    wait_for(lambda: status_of(photo.pk) == AlertPhoto.Status.READY, what="the worker's re-encoding")
    photo.refresh_from_db()
    assert not photo.upload and not any(trace in photo.original.read() for trace in TRACES)

    staff_client(moderator).post(
        f"/moderation/alertes/{photo.alert_id}/publish/", {f"photo-blur-{photo.pk}": "[[0.2, 0.2, 0.3, 0.3]]"}
    )

    wait_for(lambda: status_of(photo.pk) == AlertPhoto.Status.PUBLISHED, what="the blurred copy")
    photo.refresh_from_db()
    assert stored(shared_storage) == [photo.published.name]
