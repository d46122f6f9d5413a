"""Faces found by the photo worker are offered to the moderator, never blurred on their own. The face
is a real one (tests/alerts/data/README.md), pasted into a generated photo at a known place."""

import io
import json
from pathlib import Path

from PIL import Image

from alerts import imaging
from alerts.models import AlertPhoto
from tests.alerts.test_photos import photo_like, post, private_storage, region_stats  # noqa: F401 - fixture
from tests.auth import resident_client, staff_client

FACE = Path(__file__).parent / "data" / "face.jpg"
# Where the face's 132 px square goes in an 800 x 600 photo; its eyes-to-chin box is about
# (530, 229)-(601, 300) in it.
PASTED_AT = (500, 200)


def photo_with_a_face(**save) -> bytes:
    image = photo_like(800, 600)
    with Image.open(FACE) as face:
        image.paste(face, PASTED_AT)
    output = io.BytesIO()
    image.save(output, "JPEG", quality=92, **save)
    return output.getvalue()


def photo_without_a_face() -> bytes:
    output = io.BytesIO()
    photo_like(800, 600).save(output, "JPEG", quality=92)
    return output.getvalue()


def reencoded(data: bytes) -> imaging.CleanPhoto:
    return imaging.reencode(io.BytesIO(data), content_type="image/jpeg", max_pixels=10**7, max_side=1920)


def covers(region: list[float], box: tuple[int, int, int, int], size: tuple[int, int]) -> bool:
    x, y, w, h = region
    left, top, right, bottom = box
    width, height = size
    return x * width <= left and y * height <= top and (x + w) * width >= right and (y + h) * height >= bottom


def test_the_worker_finds_the_face_and_leaves_it_unblurred():
    source = photo_with_a_face()

    clean = reencoded(source)

    (face,) = clean.faces
    assert covers(face, (535, 235, 596, 295), (800, 600))  # the face, with a margin
    assert face[2] * 800 < 132 * 1.5  # and not the whole photo
    inside = (535, 235, 596, 295)
    assert region_stats(clean.data, inside)[0] > region_stats(source, inside)[0] / 2  # still sharp


def test_a_photo_without_a_face_has_no_suggestion():
    assert reencoded(photo_without_a_face()).faces == []


def test_suggestions_are_stored_with_the_photo_and_shown_to_the_moderator_only_as_suggestions(
    resident,
    moderator,
    private_storage,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        post(resident_client(resident), photo_with_a_face())
    photo = AlertPhoto.objects.get()
    assert photo.status == AlertPhoto.Status.READY
    (face,) = photo.suggested_regions
    assert covers(face, (535, 235, 596, 295), (800, 600))

    queue = staff_client(moderator).get("/moderation/").content.decode()
    assert "Le détecteur de visages propose un cadre pointillé" in queue
    assert json.dumps(photo.suggested_regions) in queue
    assert f'name="photo-blur-{photo.pk}" value="[]"' in queue  # nothing chosen for the moderator

    with django_capture_on_commit_callbacks(execute=True):
        staff_client(moderator).post(
            f"/moderation/alertes/{photo.alert_id}/publish/", {f"photo-blur-{photo.pk}": "[]"}
        )

    photo.refresh_from_db()
    assert photo.status == AlertPhoto.Status.PUBLISHED and photo.blur_regions == []
