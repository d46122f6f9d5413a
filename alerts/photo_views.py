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


@login_required
@never_cache
def alert_photo_view(request, photo_id: int):
    """The blurred copy, to anyone who may read the published alert (its author included)."""
    photo = get_object_or_404(
        AlertPhoto.objects.filter(
            status=AlertPhoto.Status.PUBLISHED,
            alert__status=Alert.Status.PUBLISHED,
            alert__in=selectors.alerts_visible_to(request.user).values("pk"),
        ),
        pk=photo_id,
    )
    if not photo.published:
        raise Http404
    return inline_file_response(
        photo.published, content_type="image/jpeg", filename=f"photo-{photo.pk}.jpg", csp=IMAGE_CSP
    )


@staff_page
@never_cache
def moderation_photo_view(request, photo_id: int):
    """The clean copy (no metadata, not yet blurred) of a pending alert, to its commune's moderators."""
    photo = get_object_or_404(
        AlertPhoto.objects.filter(
            status=AlertPhoto.Status.READY,
            alert__status=Alert.Status.PENDING,
            alert__in=selectors.alerts_moderated_by(request.user).values("pk"),
        ),
        pk=photo_id,
    )
    if not photo.original:
        raise Http404
    return inline_file_response(
        photo.original, content_type="image/jpeg", filename=f"photo-{photo.pk}.jpg", csp=IMAGE_CSP
    )
