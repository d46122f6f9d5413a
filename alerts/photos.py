"""Photos of an alert, from the author's phone to the published alert, without a trace.

In the request: the type is sniffed from the content, the size, the count and the pixel count (from
the header only) are checked, and the upload is stored privately. In a Celery worker: the photo is
re-encoded from its pixels (`alerts.imaging.reencode`: no EXIF, GPS, XMP, IPTC, ICC, thumbnail or
comment) and the upload deleted. Moderators review the clean copy and draw the regions to blur;
when the alert is decided, a worker writes the blurred copy (published alerts only) and deletes the
unblurred one. Residents only ever get the blurred copy."""

import io
import logging
import uuid
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import proof_content_type, proof_files_delete_on_commit
from alerts import imaging
from alerts.models import Alert, AlertPhoto

logger = logging.getLogger(__name__)
PROCESS_TASK = "alerts.photo_process"
DECISION_TASK = "alerts.photos_after_decision"
Status = AlertPhoto.Status


class PhotoInvalid(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


def _upload_check(upload: UploadedFile) -> str:
    """The sniffed type of one upload, or a message naming the problem."""
    name = upload.name or "photo"
    limit = settings.ALERTS_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise PhotoInvalid(
            [_("« {name} » pèse {size:.1f} Mo : la limite est de {limit} Mo.").format(
                name=name, size=upload.size / 1024 / 1024, limit=limit // 1024 // 1024
            )]
        )  # fmt: skip
    content_type = proof_content_type(upload)
    if content_type not in imaging.PHOTO_TYPES:
        raise PhotoInvalid(
            [_("« {name} » n'est pas une photo JPEG, PNG ou WebP (contenu détecté : {type}).").format(
                name=name, type=content_type
            )]
        )  # fmt: skip
    try:
        imaging.header_check(upload, content_type=content_type, max_pixels=settings.ALERTS_PHOTO_MAX_PIXELS)
    except imaging.PhotoRefused:
        raise PhotoInvalid(
            [_("« {name} » est illisible ou dépasse {n} millions de pixels.").format(
                name=name, n=settings.ALERTS_PHOTO_MAX_PIXELS // 1_000_000
            )]
        ) from None  # fmt: skip
    finally:
        upload.seek(0)
    return content_type


def photo_uploads_validate(uploads: list[UploadedFile], *, already: int = 0) -> list[str]:
    """The sniffed type of each upload, in order; PhotoInvalid with every problem found otherwise."""
    limit = settings.ALERTS_PHOTOS_PER_ALERT
    if already + len(uploads) > limit:
        raise PhotoInvalid([_("Au plus {n} photos par alerte.").format(n=limit)])
    types, problems = [], []
    for upload in uploads:
        try:
            types.append(_upload_check(upload))
        except PhotoInvalid as error:
            problems += error.messages
    if problems:
        raise PhotoInvalid(problems)
    return types


@transaction.atomic
def alert_photos_attach(*, alert: Alert, author: User, uploads: list[UploadedFile]) -> list[AlertPhoto]:
    """Store the author's photos of their pending alert privately, and queue their re-encoding."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.author_id != author.pk or alert.status != Alert.Status.PENDING:
        raise PhotoInvalid([_("Seul l'auteur d'une alerte en attente de modération peut y joindre des photos.")])
    held = alert.photos.exclude(status=Status.DISCARDED).count()
    types = photo_uploads_validate(uploads, already=held)
    photos = []
    for upload, content_type in zip(uploads, types, strict=True):
        photo = AlertPhoto(alert=alert, author=author, content_type=content_type, size=upload.size)
        # A random name: nothing of the phone's file name reaches the disk.
        photo.upload.save(uuid.uuid4().hex, upload, save=False)
        photo.full_clean()
        photo.save()
        photos.append(photo)
    for photo in photos:
        _enqueue_on_commit(PROCESS_TASK, photo_id=photo.pk)
    return photos


def _enqueue_on_commit(task_name: str, **kwargs) -> None:
    """Queue by name once committed. A lost message leaves files that the hourly purge removes."""

    def enqueue():
        try:
            current_app.send_task(task_name, kwargs=kwargs)
        except Exception:  # noqa: BLE001 - a broker failure must not undo a post or a decision
            logger.warning("broker unavailable, %s %s not queued", task_name, kwargs, exc_info=True)

    transaction.on_commit(enqueue)


def alert_photo_process(*, photo_id: int) -> AlertPhoto | None:
    """Re-encode an upload into the clean copy moderators review, then delete the upload. A photo
    whose alert was decided meanwhile was never reviewed: it is dropped, never published."""
    photo = AlertPhoto.objects.filter(pk=photo_id, status=Status.PROCESSING).first()
    if photo is None or not photo.upload:
        return None
    try:
        with photo.upload.open("rb") as source:
            clean = imaging.reencode(
                io.BytesIO(source.read()),
                content_type=photo.content_type,
                max_pixels=settings.ALERTS_PHOTO_MAX_PIXELS,
                max_side=settings.ALERTS_PHOTO_MAX_SIDE,
            )
    except imaging.PhotoRefused as error:
        logger.info("alert photo %s refused: %s", photo_id, error)
        return _discard(photo_id=photo_id, refusal=_("Ce fichier n'a pas pu être lu comme une photo."))
    return _clean_store(photo_id=photo_id, clean=clean)


@transaction.atomic
def _clean_store(*, photo_id: int, clean: imaging.CleanPhoto) -> AlertPhoto | None:
    photo = AlertPhoto.objects.select_for_update().select_related("alert").filter(pk=photo_id).first()
    if photo is None or photo.status != Status.PROCESSING:
        return None
    if photo.alert.status != Alert.Status.PENDING:
        return _discard(photo_id=photo_id, refusal=_("Alerte décidée avant la fin du traitement."))
    proof_files_delete_on_commit([photo.upload.name])  # same private storage as the proofs
    photo.upload = ""
    photo.original.save(f"{uuid.uuid4().hex}.jpg", ContentFile(clean.data), save=False)
    photo.width, photo.height = clean.width, clean.height
    photo.suggested_regions = clean.faces
    photo.status, photo.processed_at = Status.READY, timezone.now()
    photo.save()
    return photo


@transaction.atomic
def _discard(*, photo_id: int, refusal: str = "") -> AlertPhoto | None:
    """Delete every file of a photo; the row keeps its dates, type and why."""
    photo = AlertPhoto.objects.select_for_update().filter(pk=photo_id).first()
    if photo is None:
        return None
    proof_files_delete_on_commit(photo.file_names)
    now = timezone.now()
    photo.upload = photo.original = photo.published = ""
    photo.status, photo.refusal = Status.DISCARDED, refusal or photo.refusal
    photo.original_deleted_at = photo.original_deleted_at or now
    photo.save()
    return photo


@transaction.atomic
def alert_photos_review(*, alert: Alert, moderator: User, regions_by_photo: dict[int, list]) -> int:
    """Record the regions a moderator drew on each photo they saw (an empty list: nothing to blur).
    Only reviewed photos are published: one that arrived after the page was drawn is dropped."""
    photos = AlertPhoto.objects.select_for_update().filter(
        alert=alert, status=Status.READY, pk__in=list(regions_by_photo)
    )
    count = 0
    for photo in photos:
        photo.blur_regions = imaging.regions_parse(regions_by_photo[photo.pk])
        photo.reviewed_by, photo.reviewed_at = moderator, timezone.now()
        photo.save(update_fields=["blur_regions", "reviewed_by", "reviewed_at"])
        count += 1
    return count


def alert_photos_decided_on_commit(*, alert_id: int) -> None:
    """Called by every moderation decision: blur or drop the photos in a worker once it commits.
    Alerts without photos (most of them) queue nothing."""
    if AlertPhoto.objects.filter(alert_id=alert_id, status__in=[Status.PROCESSING, Status.READY]).exists():
        _enqueue_on_commit(DECISION_TASK, alert_id=alert_id)


def alert_photos_after_decision(*, alert_id: int) -> int:
    """Write the blurred copy of each reviewed photo of a published alert; delete every unblurred
    copy and upload of the alert. Returns the number of photos published."""
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None or alert.status == Alert.Status.PENDING:
        return 0
    published = 0
    for photo in AlertPhoto.objects.filter(alert_id=alert_id).exclude(status__in=[Status.PUBLISHED, Status.DISCARDED]):
        if alert.status == Alert.Status.PUBLISHED and photo.status == Status.READY and photo.reviewed_at:
            published += _blur_and_publish(photo_id=photo.pk)
        else:
            _discard(photo_id=photo.pk, refusal=_("Non publiée : alerte refusée, fusionnée, ou photo non relue."))
    return published


def _blur_and_publish(*, photo_id: int) -> int:
    photo = AlertPhoto.objects.filter(pk=photo_id, status=Status.READY).first()
    if photo is None:
        return 0
    with photo.original.open("rb") as source:
        blurred = imaging.blur_regions(source.read(), photo.blur_regions)
    with transaction.atomic():
        photo = AlertPhoto.objects.select_for_update().filter(pk=photo_id, status=Status.READY).first()
        if photo is None:
            return 0
        proof_files_delete_on_commit([photo.original.name])
        photo.original = ""
        photo.published.save(f"{uuid.uuid4().hex}.jpg", ContentFile(blurred), save=False)
        photo.status, photo.original_deleted_at = Status.PUBLISHED, timezone.now()
        photo.save()
    return 1


def photos_purge(*, older_than_days: int) -> int:
    """Retention: drop uploads and unblurred copies held longer than allowed, decided or not, and
    the unblurred copies of any alert already decided (a worker lost on the way)."""
    now = timezone.now()
    cutoff = now - timedelta(days=older_than_days)
    # An hour's grace after a decision: its own worker is normally done in seconds.
    decided = ~Q(alert__status=Alert.Status.PENDING) & Q(alert__decided_at__lt=now - timedelta(hours=1))
    stale = AlertPhoto.objects.filter(status__in=[Status.PROCESSING, Status.READY]).filter(
        Q(created_at__lt=cutoff) | decided
    )
    ids = list(stale.values_list("pk", flat=True))
    for photo_id in ids:
        _discard(photo_id=photo_id, refusal=_("Supprimée au terme du délai de conservation."))
    logger.info("purged %s unpublished alert photos", len(ids))
    return len(ids)


def photo_files_after_row_deleted(photo: AlertPhoto) -> None:
    """A photo row deleted with its author or its alert takes its files along."""
    proof_files_delete_on_commit(photo.file_names)


def photos_for_review_prefetch(alerts: list[Alert]) -> None:
    """Attach `photos_for_review` to each alert of a moderation page: its photos still held, in order."""
    prefetch_related_objects(
        alerts,
        Prefetch(
            "photos",
            queryset=AlertPhoto.objects.filter(status__in=[Status.PROCESSING, Status.READY]).order_by("id"),
            to_attr="photos_for_review",
        ),
    )
