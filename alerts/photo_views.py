"""Serving alert photos: readers of a published alert get the blurred copy; moderators of the
commune get the clean, unblurred copy of a pending alert to draw on. Nothing else leaves storage."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from accounts.otp import staff_page
from alerts import selectors
from alerts.models import Alert, AlertPhoto
from edge.private_files import IMAGE_CSP, inline_file_response


def _photo_file(photo_id: int, *, photos, copy: str):
    """The photo's `copy` (the blurred `published` one or the clean `original`) among `photos`,
    inline with the image policy; 404 for anything else."""
    photo = get_object_or_404(photos, pk=photo_id)
    file = getattr(photo, copy)
    if not file:
        raise Http404
    return inline_file_response(file, content_type="image/jpeg", filename=f"photo-{photo.pk}.jpg", csp=IMAGE_CSP)


@login_required
@never_cache
def alert_photo_view(request, photo_id: int):
    """The blurred copy, to anyone who may read the published alert (its author included)."""
    photos = AlertPhoto.objects.filter(
        status=AlertPhoto.Status.PUBLISHED,
        alert__status=Alert.Status.PUBLISHED,
        alert__in=selectors.alerts_visible_to(request.user).values("pk"),
    )
    return _photo_file(photo_id, photos=photos, copy="published")


@staff_page
@never_cache
def moderation_photo_view(request, photo_id: int):
    """The clean copy (no metadata, not yet blurred) of a pending alert, to its commune's moderators."""
    photos = AlertPhoto.objects.filter(
        status=AlertPhoto.Status.READY,
        alert__status=Alert.Status.PENDING,
        alert__in=selectors.alerts_moderated_by(request.user).values("pk"),
    )
    return _photo_file(photo_id, photos=photos, copy="original")
