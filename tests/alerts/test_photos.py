"""Photos of an alert: what reaches the disk, what the worker leaves of a phone's photo, what the
moderator's regions do to the published copy, who gets which copy, and when files go."""

import html
import io
import json
import os
import shutil
import struct
import subprocess
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image, ImageCms

from accounts.personal_data import personal_data_export
from accounts.services import user_delete
from alerts import imaging, photos, tasks
from alerts.models import Alert, AlertPhoto
from alerts.moderation import alert_publish
from tests.accounts.conftest import upload
from tests.alerts.test_views import POST_PAGE, form_data
from tests.auth import resident_client, staff_client
from tests.factories import make_alert, make_alert_photo

GPS_LATITUDE = (43, 0, 36)  # 43°0'36" N: the alert's street, and more precisely the author's window


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int, next_ifd: int) -> tuple[bytes, bytes]:
    """A little-endian TIFF directory at `start`: (the directory, its out-of-line values after it)."""
    size = 2 + 12 * len(entries) + 4
    table, extra = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, kind, count, start + size + len(extra))
            extra += value
    return table + struct.pack("<I", next_ifd), extra


def _rationals(*values) -> bytes:
    return b"".join(struct.pack("<II", v, 1) for v in values)


def exif_with_gps_and_thumbnail(thumbnail: bytes) -> bytes:
    """An EXIF block as phones write it: orientation (turn 90°), GPS position, and a thumbnail in IFD1."""
    ifd0_at, gps_at = 8, 8 + 2 + 12 * 2 + 4
    gps_entries = [
        (1, 2, 2, b"N\0"),
        (2, 5, 3, _rationals(*GPS_LATITUDE)),
        (3, 2, 2, b"E\0"),
        (4, 5, 3, _rationals(5, 0, 36)),
    ]
    gps_size = 2 + 12 * len(gps_entries) + 4 + 48
    ifd1_at = gps_at + gps_size
    thumb_at = ifd1_at + 2 + 12 * 3 + 4
    ifd0, _ = _ifd([(0x0112, 3, 1, struct.pack("<H", 6)), (0x8825, 4, 1, struct.pack("<I", gps_at))], ifd0_at, ifd1_at)
    gps, gps_values = _ifd(gps_entries, gps_at, 0)
    ifd1, _ = _ifd(
        [
            (0x0103, 3, 1, struct.pack("<H", 6)),
            (0x0201, 4, 1, struct.pack("<I", thumb_at)),
            (0x0202, 4, 1, struct.pack("<I", len(thumbnail))),
        ],
        ifd1_at,
        0,
    )
    tiff = b"II*\0" + struct.pack("<I", ifd0_at) + ifd0 + gps + gps_values + ifd1 + thumbnail
    assert len(b"II*\0") + 4 + len(ifd0) + len(gps) + len(gps_values) == ifd1_at
    return b"Exif\0\0" + tiff


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def photo_like(width: int = 400, height: int = 300, seed: int = 1) -> Image.Image:
    """Smooth light and shade with grain, like a photo (pure noise is not one)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=-1)
    return Image.fromarray(np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype("uint8"))


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def phone_photo(**kwargs) -> bytes:
    """A JPEG carrying every block a phone or an editor adds: EXIF with GPS and a thumbnail, XMP,
    IPTC (the photographer's name), an ICC profile, a comment that is an HTML page, and HTML after
    the end of the image (a polyglot)."""
    thumbnail = io.BytesIO()
    photo_like(64, 48, seed=2).save(thumbnail, "JPEG")
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="43,0.6N" '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Camera du voisin"/></rdf:RDF></x:xmpmeta>'
    )
    iptc = b"\x1c\x02\x50" + struct.pack(">H", 11) + b"Jean Dupont"
    irb = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(iptc)) + iptc
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    body = io.BytesIO()
    photo_like(**kwargs).save(body, "JPEG", quality=92)
    jpeg = body.getvalue()
    segments = (
        _segment(0xE1, exif_with_gps_and_thumbnail(thumbnail.getvalue()))
        + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp)
        + _segment(0xED, b"Photoshop 3.0\0" + irb)
        + _segment(0xE2, b"ICC_PROFILE\0\x01\x01" + icc)
        + _segment(0xFE, HTML)
    )
    return jpeg[:2] + segments + jpeg[2:] + HTML


TRACES = [b"Exif", b"http://ns.adobe.com", b"Photoshop 3.0", b"8BIM", b"ICC_PROFILE", b"Jean Dupont", b"<script"]


def test_the_sample_really_carries_every_trace():
    """The test photo must hold what the next tests say is gone, or they prove nothing."""
    data = phone_photo()
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(0x8825)[2] == GPS_LATITUDE
        assert image.getexif()[0x0112] == 6
        assert "xmp" in image.info and "icc_profile" in image.info and "comment" in image.info
        assert image.applist and any(name == "APP13" for name, _ in image.applist)
    assert all(trace in data for trace in TRACES)
    assert data.endswith(HTML)


def exiftool(data: bytes, tmp_path) -> dict:
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    result = subprocess.run(  # noqa: S603 - fixed argv, the tool found on PATH
        [shutil.which("exiftool"), "-j", "-G", "-a", "-u", "-b", str(path)], capture_output=True, check=True, text=True
    )
    return json.loads(result.stdout)[0]


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


def stored(root) -> list[str]:
    return sorted(
        os.path.relpath(os.path.join(folder, name), root) for folder, _, names in os.walk(root) for name in names
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def post(client, *files: bytes, **fields):
    uploads = [upload(f"IMG_{i}.jpg", data, "image/jpeg") for i, data in enumerate(files)]
    return client.post(POST_PAGE, {**form_data(**fields), "photos": uploads})


def test_a_phone_photo_comes_out_of_the_worker_without_any_trace(
    resident, private_storage, django_capture_on_commit_callbacks, photo_tasks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(resident_client(resident), phone_photo())

    assert response.status_code == 302, response.content.decode()[:2000]
    photo = AlertPhoto.objects.get()
    assert [name for name, _ in photo_tasks] == [photos.PROCESS_TASK]  # queued for a worker, not done in the request
    assert photo.status == AlertPhoto.Status.READY
    assert photo.content_type == "image/jpeg" and not photo.upload  # the upload as received is gone
    assert stored(private_storage) == [photo.original.name]
    data = photo.original.read()
    assert not any(trace in data for trace in TRACES)
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "icc_profile", "comment", "photoshop", "adobe"} & set(image.info)
        assert [name for name, _ in image.applist] in ([], ["APP0"])  # JFIF header only
        assert image.size == (300, 400)  # the orientation was applied, then dropped
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed (scripts/system-deps.sh installs it): Pillow's reading passed")
    tags = exiftool(data, tmp_path)
    groups = {key.split(":")[0] for key in tags}
    assert groups <= {"SourceFile", "ExifTool", "File", "JFIF", "Composite"}, groups
    assert not [key for key in tags if "GPS" in key or "Thumbnail" in key or "Comment" in key]


def test_a_polyglot_is_neutralised_by_the_re_encoding(tmp_path):
    polyglot = phone_photo()
    assert HTML in polyglot

    clean = imaging.reencode(io.BytesIO(polyglot), content_type="image/jpeg", max_pixels=10**7, max_side=1920).data

    assert b"<" + b"script" not in clean and b"<html" not in clean
    assert clean.startswith(b"\xff\xd8") and clean.endswith(b"\xff\xd9")  # nothing after the image
    import magic

    assert magic.from_buffer(clean, mime=True) == "image/jpeg"


def test_an_html_page_named_jpg_is_refused_and_nothing_is_written(resident, private_storage):
    response = resident_client(resident).post(
        POST_PAGE, {**form_data(), "photos": [upload("photo.jpg", HTML, "image/jpeg")]}
    )

    assert response.status_code == 400
    assert "n'est pas une photo JPEG, PNG ou WebP" in text(response)
    assert "text/html" in text(response)
    assert not Alert.objects.exists() and stored(private_storage) == []


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces `width` x `height` pixels in a few bytes: a decompression bomb's header."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def test_too_many_pixels_too_many_bytes_or_too_many_photos_are_refused_in_the_request(
    resident, private_storage, settings
):
    client = resident_client(resident)
    bomb = post(client, png_header(60_000, 60_000))
    assert bomb.status_code == 400 and "millions de pixels" in text(bomb)

    settings.ALERTS_PHOTO_MAX_BYTES = 1024 * 1024
    heavy = post(client, phone_photo(width=2000, height=1500) + b"\0" * 1024 * 1024)
    assert heavy.status_code == 400 and "la limite est de 1 Mo" in text(heavy)

    settings.ALERTS_PHOTO_MAX_BYTES = 15 * 1024 * 1024
    four = post(client, *[phone_photo()] * 4)
    assert four.status_code == 400 and "Au plus 3 photos" in text(four)

    assert not Alert.objects.exists() and stored(private_storage) == []


def test_the_worker_refuses_what_passes_the_header_but_is_too_big_or_broken(resident, private_storage, settings):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    photo = photos.alert_photos_attach(alert=alert, author=resident, uploads=[upload("a.jpg", phone_photo())])[0]
    settings.ALERTS_PHOTO_MAX_PIXELS = 1000  # lowered after the upload: the worker checks again

    photos.alert_photo_process(photo_id=photo.pk)

    photo.refresh_from_db()
    assert photo.status == AlertPhoto.Status.DISCARDED and photo.file_names == []
    with pytest.raises(imaging.PhotoRefused):
        imaging.reencode(io.BytesIO(phone_photo()[:600]), content_type="image/jpeg", max_pixels=10**7, max_side=800)


def region_stats(data: bytes, box: tuple[int, int, int, int]) -> tuple[float, np.ndarray]:
    """The variance of the region's detail (differences between neighbouring pixels: what makes a
    face or a plate readable; the photo's broad light and shade may stay), and all the pixels."""
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(image.convert("L"), dtype=float)
    left, top, right, bottom = box
    region = pixels[top:bottom, left:right]
    return np.concatenate([np.diff(region, axis=0).ravel(), np.diff(region, axis=1).ravel()]).var(), pixels


def test_the_moderator_s_regions_are_blurred_for_good_and_the_unblurred_copy_is_deleted(
    resident, moderator, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(resident_client(resident), phone_photo(width=800, height=600))
    photo = AlertPhoto.objects.get()
    before = photo.original.read()
    queue = staff_client(moderator).get("/moderation/").content.decode()
    assert f'src="/moderation/photos/{photo.pk}/"' in queue and f'name="photo-blur-{photo.pk}"' in queue

    # A face in the upper left quarter of the (turned) 600 x 800 photo.
    region = [0.1, 0.1, 0.4, 0.3]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client(moderator).post(
            f"/moderation/alertes/{photo.alert_id}/publish/", {f"photo-blur-{photo.pk}": json.dumps([region])}
        )

    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.status == AlertPhoto.Status.PUBLISHED and photo.blur_regions == [region]
    assert photo.reviewed_by == moderator and photo.original_deleted_at is not None
    assert stored(private_storage) == [photo.published.name]  # the unblurred copy is gone
    after = photo.published.read()
    box = (60, 80, 300, 320)
    inside = (66, 86, 294, 314)  # the box's edge blends with its surroundings
    variance_before, pixels_before = region_stats(before, inside)
    variance_after, pixels_after = region_stats(after, inside)
    assert variance_after < variance_before / 20, (variance_before, variance_after)
    outside = np.ones(pixels_before.shape, dtype=bool)
    outside[box[1] - 8 : box[3] + 8, box[0] - 8 : box[2] + 8] = False
    assert np.abs(pixels_before - pixels_after)[outside].mean() < 2.5  # a second JPEG pass, nothing more

    served = resident_client(resident).get(f"/alertes/photos/{photo.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == after
    assert served["Content-Type"] == "image/jpeg"
    assert served["Content-Disposition"].startswith("inline")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in served["Cache-Control"]
    assert staff_client(moderator).get(f"/moderation/photos/{photo.pk}/").status_code == 404


def test_residents_never_get_the_unblurred_copy(resident, moderator, private_storage):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    photo = make_alert_photo(alert=alert)

    assert resident_client(resident).get(f"/moderation/photos/{photo.pk}/").status_code == 403
    assert resident_client(resident).get(f"/alertes/photos/{photo.pk}/").status_code == 404
    listed = resident_client(resident).get(f"/api/alerts/{alert.pk}/photos/").json()
    assert listed == [{"id": photo.pk, "status": "ready", "width": 8, "height": 8, "url": None}]
    moderator_view = staff_client(moderator).get(f"/moderation/photos/{photo.pk}/")
    assert moderator_view.status_code == 200 and moderator_view["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("action", ["reject", "merge"])
def test_a_refused_or_merged_alert_loses_its_photo_files(
    resident, moderator, private_storage, django_capture_on_commit_callbacks, action
):
    with django_capture_on_commit_callbacks(execute=True):
        post(resident_client(resident), phone_photo())
    photo = AlertPhoto.objects.get()
    other = make_alert(commune=photo.alert.commune, location=resident.residence.home)
    data = {"reason": "not_an_alert"} if action == "reject" else {"into": other.pk}

    with django_capture_on_commit_callbacks(execute=True):
        staff_client(moderator).post(f"/moderation/alertes/{photo.alert_id}/{action}/", data)

    photo.refresh_from_db()
    assert photo.alert.status != Alert.Status.PENDING
    assert photo.status == AlertPhoto.Status.DISCARDED and photo.original_deleted_at is not None
    assert stored(private_storage) == []


def test_a_photo_the_moderator_did_not_see_is_not_published(
    resident, moderator, private_storage, django_capture_on_commit_callbacks
):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    seen, unseen = make_alert_photo(alert=alert), make_alert_photo(alert=alert)

    with django_capture_on_commit_callbacks(execute=True):
        photos.alert_photos_review(alert=alert, moderator=moderator, regions_by_photo={seen.pk: []})
        alert_publish(alert=alert, moderator=moderator)

    seen.refresh_from_db()
    unseen.refresh_from_db()
    assert (seen.status, unseen.status) == (AlertPhoto.Status.PUBLISHED, AlertPhoto.Status.DISCARDED)
    assert stored(private_storage) == [seen.published.name]


def test_regions_that_are_not_fractions_of_the_photo_are_refused(resident, moderator, private_storage):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    photo = make_alert_photo(alert=alert)

    for bad in ["[[0.5, 0.5, 2]]", "[[-1, 0, 0.5, 0.5]]", '"tout"', "{", '[["a", 0, 1, 1]]']:
        response = staff_client(moderator).post(
            f"/moderation/alertes/{alert.pk}/publish/", {f"photo-blur-{photo.pk}": bad}
        )
        assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING  # each refusal undid the whole decision


def test_retention_deletes_unblurred_copies_held_too_long(
    resident, private_storage, settings, django_capture_on_commit_callbacks
):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    old, recent = make_alert_photo(alert=alert), make_alert_photo(alert=alert)
    AlertPhoto.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    with django_capture_on_commit_callbacks(execute=True):
        purged = tasks.photos_purge()

    old.refresh_from_db()
    assert purged == 1 and old.status == AlertPhoto.Status.DISCARDED
    assert AlertPhoto.objects.get(pk=recent.pk).status == AlertPhoto.Status.READY
    assert stored(private_storage) == [recent.original.name]


def test_the_author_s_export_lists_their_photos_and_erasure_deletes_them_with_their_files(
    resident, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(resident_client(resident), phone_photo())
    photo = AlertPhoto.objects.get()

    exported = personal_data_export(resident)["alerts.alertphoto.author"]
    assert [(row["id"], row["alert"]["id"], row["status"], row["original"]) for row in exported] == [
        (photo.pk, photo.alert_id, "ready", True)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        user_delete(user=resident)

    assert not AlertPhoto.objects.exists() and stored(private_storage) == []
    assert Alert.objects.filter(pk=photo.alert_id, author=None).exists()  # the alert stays, anonymous


def test_the_api_takes_the_author_s_photos_one_request_at_a_time(
    resident, moderator, private_storage, django_capture_on_commit_callbacks
):
    alert = make_alert(commune=resident.residence.commune, location=resident.residence.home, author=resident)
    client = resident_client(resident)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/alerts/{alert.pk}/photos/", {"file": [upload("a.jpg", phone_photo())]})

    assert response.status_code == 201 and response.json()[0]["status"] == "processing"
    assert AlertPhoto.objects.get().status == AlertPhoto.Status.READY
    too_many = client.post(
        f"/api/alerts/{alert.pk}/photos/", {"file": [upload(f"{i}.jpg", phone_photo()) for i in range(3)]}
    )
    assert too_many.status_code == 400 and "Au plus 3 photos" in too_many.json()["file"][0]
    assert (
        staff_client(moderator)
        .post(f"/api/alerts/{alert.pk}/photos/", {"file": [upload("b.jpg", phone_photo())]})
        .status_code
        == 403
    )


def test_the_resident_s_message_shows_the_blurred_photos_of_a_published_alert_only(resident, private_storage):
    from delivery.models import Delivery

    commune, home = resident.residence.commune, resident.residence.home
    published = make_alert(commune=commune, location=home, status="published")
    pending = make_alert(commune=commune, location=home)
    shown, hidden = make_alert_photo(alert=published), make_alert_photo(alert=pending)
    pages = {
        alert.pk: resident_client(resident).get(
            f"/messages/{Delivery.objects.create(recipient=resident, kind=Delivery.Kind.ALERT, alert=alert).pk}/"
        )
        for alert in (published, pending)
    }

    assert f'src="/alertes/photos/{shown.pk}/"' in text(pages[published.pk])
    assert "/alertes/photos/" not in text(pages[pending.pk]) and hidden.status == AlertPhoto.Status.READY
