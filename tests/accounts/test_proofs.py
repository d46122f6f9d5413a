import datetime
import os

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import tasks
from accounts.models import AccessLog, ProofOfResidence, Residence
from accounts.services import access_log_record, proof_upload, residence_decide
from tests.accounts.conftest import PDF, PNG, resident, upload
from tests.auth import resident_client, staff_client
from tests.factories import make_resident


def stored_files(root) -> list[str]:
    return [name for _dirs, _subdirs, names in os.walk(root) for name in names]


@pytest.fixture
def applicant(world):
    return resident(world.commune_a, Point(5.01, 43.005, srid=4326), status=Residence.Status.PENDING)


def send(client, name, content, content_type="application/octet-stream"):
    return client.post("/api/me/residence/proof/", {"file": upload(name, content, content_type)})


def test_a_pdf_is_stored_privately_under_a_random_name(applicant, private_storage, settings):
    response = send(resident_client(applicant), "ma facture EDF.pdf", PDF, "application/pdf")

    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"
    (name,) = stored_files(private_storage)
    assert name.endswith(".pdf") and "facture" not in name
    assert not str(private_storage).startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_a_proof_is_readable_by_the_service_only_in_a_private_folder(applicant, private_storage, umask):
    private_storage.mkdir(mode=0o755)  # made earlier, by hand or by an older version
    previous = os.umask(umask)
    try:
        assert send(resident_client(applicant), "facture.pdf", PDF, "application/pdf").status_code == 201
    finally:
        os.umask(previous)

    (path,) = [os.path.join(folder, name) for folder, _subdirs, names in os.walk(private_storage) for name in names]
    assert os.stat(path).st_mode & 0o777 == 0o600
    folder = os.path.dirname(path)
    while True:
        assert os.stat(folder).st_mode & 0o777 == 0o700, folder
        if folder == str(private_storage):
            break
        folder = os.path.dirname(folder)


def test_a_png_is_accepted(applicant):
    assert send(resident_client(applicant), "scan.png", PNG, "image/png").status_code == 201


def test_an_html_file_renamed_png_is_refused(applicant, private_storage):
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

    response = send(resident_client(applicant), "facture.png", html, "image/png")

    assert response.status_code == 400
    assert "ni un PDF, ni une image JPEG ou PNG" in response.json()["file"][0]
    assert "text/html" in response.json()["file"][0]
    assert stored_files(private_storage) == []


def test_an_oversize_file_is_refused_with_a_clear_message(applicant, private_storage):
    big = PDF + b"0" * (5 * 1024 * 1024)

    response = resident_client(applicant).post("/compte/justificatif/", {"file": upload("gros.pdf", big)})

    assert response.status_code == 400
    assert "la limite est de 5 Mo" in response.content.decode()
    assert stored_files(private_storage) == []


def test_verifier_of_the_commune_opens_the_file_and_the_opening_is_logged(world, applicant):
    send(resident_client(applicant), "f.pdf", PDF)
    residence = applicant.residence
    verifier = world.people["staff_a"]

    response = staff_client(verifier).get(f"/verification/{residence.pk}/justificatif/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    # Shown in the browser's tab, never left in the town hall's downloads.
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    log = AccessLog.objects.get()
    assert (log.viewer, log.kind, log.subject, log.commune) == (
        verifier,
        AccessLog.Kind.PROOF_OF_RESIDENCE,
        applicant,
        world.commune_a,
    )


@pytest.mark.parametrize("role", ["moderator_b", "police_a", "resident_a"])
def test_people_outside_the_commune_verifiers_cannot_open_the_file(world, applicant, role):
    send(resident_client(applicant), "f.pdf", PDF)

    response = world.client(role).get(f"/verification/{applicant.residence.pk}/justificatif/")

    assert response.status_code in (403, 404)
    assert AccessLog.objects.count() == 0


def test_the_decision_deletes_the_file_and_keeps_type_date_and_decider(
    world, applicant, private_storage, django_capture_on_commit_callbacks
):
    send(resident_client(applicant), "f.pdf", PDF)
    assert len(stored_files(private_storage)) == 1
    moderator = world.people["moderator_a"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(moderator).post(
            f"/api/residences/{applicant.residence.pk}/", {"verified": True}, content_type="application/json"
        )

    assert response.status_code == 200
    assert stored_files(private_storage) == []
    proof = ProofOfResidence.objects.get()
    assert (proof.file.name, proof.content_type, proof.decided_by, proof.outcome) == (
        "",
        "application/pdf",
        moderator,
        "verified",
    )
    assert proof.decided_at is not None
    applicant.residence.refresh_from_db()
    assert applicant.residence.status == Residence.Status.VERIFIED


def test_a_rejection_needs_a_reason_that_the_resident_reads(world, applicant, django_capture_on_commit_callbacks):
    send(resident_client(applicant), "f.pdf", PDF)
    moderator = staff_client(world.people["moderator_a"])
    url = f"/verification/{applicant.residence.pk}/"

    assert moderator.post(url, {"verified": "0", "reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            moderator.post(url, {"verified": "0", "reason": "Le justificatif a plus de trois mois."}).status_code
            == 302
        )

    page = resident_client(applicant).get("/compte/").content.decode()
    assert "Le justificatif a plus de trois mois." in page
    (notice,) = mail.outbox
    assert notice.to == [applicant.email] and "Le justificatif a plus de trois mois." in notice.body
    assert resident_client(applicant).get("/api/me/residence/").json()["rejection_reason"] == (
        "Le justificatif a plus de trois mois."
    )


def test_nobody_verifies_a_home_without_a_proof(world, applicant):
    response = staff_client(world.people["moderator_a"]).post(
        f"/api/residences/{applicant.residence.pk}/", {"verified": True}, content_type="application/json"
    )

    assert response.status_code == 400
    applicant.residence.refresh_from_db()
    assert applicant.residence.status == Residence.Status.PENDING


def test_a_moderator_of_another_commune_gets_404_on_the_decision(world, applicant):
    send(resident_client(applicant), "f.pdf", PDF)

    response = staff_client(world.people["moderator_b"]).post(
        f"/api/residences/{applicant.residence.pk}/", {"verified": True}, content_type="application/json"
    )
    listed = staff_client(world.people["moderator_b"]).get("/api/residences/pending/").json()

    assert response.status_code == 404
    assert applicant.email not in [row["email"] for row in listed]


def test_undecided_files_older_than_30_days_are_purged(applicant, private_storage, django_capture_on_commit_callbacks):
    send(resident_client(applicant), "f.pdf", PDF)
    ProofOfResidence.objects.update(uploaded_at=timezone.now() - datetime.timedelta(days=31))
    recent = resident(applicant.residence.commune, Point(5.011, 43.005, srid=4326), status=Residence.Status.PENDING)
    send(resident_client(recent), "g.pdf", PDF)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.proofs_purge_undecided() == 1

    assert len(stored_files(private_storage)) == 1
    old = ProofOfResidence.objects.get(residence__user=applicant)
    assert (old.file.name, old.outcome, old.content_type) == ("", "expired", "application/pdf")


def test_access_log_lines_are_purged_after_the_retention_period(world, settings):
    settings.ACCOUNTS_ACCESS_LOG_RETENTION_DAYS = 90
    viewer = world.people["moderator_a"]
    old = access_log_record(viewer=viewer, kind=AccessLog.Kind.ALERT_LOCATION, object_id=1)
    AccessLog.objects.filter(pk=old.pk).update(accessed_at=timezone.now() - datetime.timedelta(days=91))
    access_log_record(viewer=viewer, kind=AccessLog.Kind.ALERT_LOCATION, object_id=2)

    assert tasks.access_logs_purge() == 1
    assert list(AccessLog.objects.values_list("object_id", flat=True)) == [2]


def test_the_purges_are_scheduled_in_celery_beat(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"accounts.proofs_purge_undecided", "accounts.access_logs_purge"} <= tasks_scheduled


def test_deleting_the_resident_deletes_the_proof_file_too(
    applicant, private_storage, django_capture_on_commit_callbacks
):
    send(resident_client(applicant), "f.pdf", PDF)
    assert len(stored_files(private_storage)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        applicant.delete()

    assert stored_files(private_storage) == []
    assert not ProofOfResidence.objects.exists()


def test_moving_home_drops_the_proof_of_the_old_address(
    world, applicant, private_storage, django_capture_on_commit_callbacks
):
    client = resident_client(applicant)
    send(client, "f.pdf", PDF)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            "/api/me/residence/", {"address": "Ailleurs", "lon": 5.03, "lat": 43.01}, content_type="application/json"
        )

    assert response.status_code == 200, response.content
    proof = ProofOfResidence.objects.get(residence__user=applicant)
    assert (proof.outcome, proof.file.name) == ("expired", "")
    assert stored_files(private_storage) == []
    # The verifiers of the new commune have nothing to verify the new home with.
    decision = staff_client(world.people["admin"]).post(
        f"/api/residences/{applicant.residence.pk}/", {"verified": True}, content_type="application/json"
    )
    assert decision.status_code == 400


def test_a_decided_home_is_decided_only_once(world, applicant):
    """A verifier who opened the home before a colleague decided cannot overturn the decision."""
    send(resident_client(applicant), "f.pdf", PDF)
    opened = Residence.objects.get(pk=applicant.residence.pk)
    residence_decide(residence=opened, decider=world.people["moderator_a"], verified=True)

    with pytest.raises(ValidationError):
        residence_decide(residence=opened, decider=world.people["staff_a"], verified=False, reason="Faux")

    opened.refresh_from_db()
    assert (opened.status, opened.decided_by) == (Residence.Status.VERIFIED, world.people["moderator_a"])


def test_a_verifier_never_lists_nor_opens_their_own_pending_home(world):
    staff = world.people["staff_a"]
    make_resident(commune=world.commune_a, home=Point(5.004, 43.004, srid=4326), user=staff, status="pending")
    proof_upload(user=staff, upload=upload("f.pdf", PDF))
    client = staff_client(staff)

    assert staff.email not in [row["email"] for row in client.get("/api/residences/pending/").json()]
    assert client.get(f"/verification/{staff.residence.pk}/").status_code == 404


def test_the_decision_email_is_in_the_resident_s_language_not_the_verifier_s(
    world, applicant, django_capture_on_commit_callbacks
):
    send(resident_client(applicant), "f.pdf", PDF)
    type(applicant).objects.filter(pk=applicant.pk).update(language="en")
    moderator = staff_client(world.people["moderator_a"])

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(
            f"/verification/{applicant.residence.pk}/", {"verified": "1"}, HTTP_ACCEPT_LANGUAGE="fr"
        )
    assert response.status_code == 302

    (notice,) = mail.outbox
    assert "verified" in notice.subject.lower() and "vérifié" not in notice.subject


def test_an_image_proof_opens_in_the_tab_in_a_sandbox(world, applicant):
    send(resident_client(applicant), "scan.png", PNG, "image/png")

    response = staff_client(world.people["staff_a"]).get(f"/verification/{applicant.residence.pk}/justificatif/")

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"].startswith("sandbox")
