"""The moderator's drawing tool in a real browser: a rectangle drawn with the mouse on the photo
travels with the publication and is blurred in the published copy."""

import io
import json

import pytest
from django.contrib.gis.geos import Point

from alerts.models import AlertPhoto
from tests.alerts.test_browser import log_in
from tests.alerts.test_photos import photo_like, private_storage  # noqa: F401 - fixture
from tests.auth import staff_client
from tests.factories import make_alert, make_alert_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg(width: int, height: int) -> bytes:
    output = io.BytesIO()
    photo_like(width, height).save(output, "JPEG")
    return output.getvalue()


@pytest.fixture
def queued_photo(browser_page, live_server, moderator, resident, commune, private_storage):  # noqa: F811
    """A pending alert with a photo ready for review, and a moderator on the moderation page
    (opened by `open_queue`, once the test has set the photo up)."""
    alert = make_alert(commune=commune, location=Point(5.01, 43.01, srid=4326), author=resident)
    photo = make_alert_photo(alert=alert, data=jpeg(400, 300))

    def open_queue():
        log_in(browser_page, live_server, staff_client(moderator))
        browser_page.goto(f"{live_server.url}/moderation/")
        return browser_page.locator(f'.photo-blur[data-photo="{photo.pk}"]')

    return alert, photo, open_queue


def test_a_rectangle_drawn_on_the_photo_is_blurred_at_publication(browser_page, queued_photo):
    alert, photo, open_queue = queued_photo
    area = open_queue().locator(".photo-blur-area")
    browser_page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=area.locator("img").element_handle()
    )
    area.scroll_into_view_if_needed()  # below the alert's map: the mouse only reaches what is on screen
    box = area.bounding_box()

    browser_page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.2 * box["height"])
    browser_page.mouse.down()
    browser_page.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.6 * box["height"], steps=5)
    browser_page.mouse.up()
    assert area.locator(".photo-blur-box").count() == 1
    with browser_page.expect_navigation():
        browser_page.locator(f'#alerte-{alert.pk} form[action$="/publish/"] button').click()

    photo.refresh_from_db()
    assert photo.status == AlertPhoto.Status.PUBLISHED
    (region,) = photo.blur_regions
    assert region == pytest.approx([0.1, 0.2, 0.4, 0.4], abs=0.02)


def test_a_suggested_face_is_blurred_only_once_the_moderator_touches_it(browser_page, queued_photo):
    alert, photo, open_queue = queued_photo
    photo.suggested_regions = [[0.5, 0.2, 0.2, 0.3], [0.1, 0.6, 0.15, 0.2]]
    photo.save(update_fields=["suggested_regions"])
    figure = open_queue()
    suggestions = figure.locator(".photo-blur-suggestion")
    field = figure.locator(f'input[name="photo-blur-{photo.pk}"]')

    assert suggestions.count() == 2 and field.input_value() == "[]"  # shown, not chosen
    suggestions.first.scroll_into_view_if_needed()
    suggestions.first.click()
    assert suggestions.count() == 1 and figure.locator(".photo-blur-box").count() == 1
    assert json.loads(field.input_value()) == [[0.5, 0.2, 0.2, 0.3]]
    figure.locator(".photo-blur-undo").click()  # taken back: offered again
    assert suggestions.count() == 2 and field.input_value() == "[]"
    suggestions.first.click()
    with browser_page.expect_navigation():
        browser_page.locator(f'#alerte-{alert.pk} form[action$="/publish/"] button').click()

    photo.refresh_from_db()
    assert photo.status == AlertPhoto.Status.PUBLISHED
    assert photo.blur_regions == [[0.5, 0.2, 0.2, 0.3]]  # the suggestion left alone is not blurred
