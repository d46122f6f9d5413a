"""The moderator's drawing tool in a real browser: a rectangle drawn with the mouse on the photo
travels with the publication and is blurred in the published copy."""

import io

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


def test_a_rectangle_drawn_on_the_photo_is_blurred_at_publication(
    browser_page,
    live_server,
    moderator,
    resident,
    commune,
    private_storage,  # noqa: F811
):
    alert = make_alert(commune=commune, location=Point(5.01, 43.01, srid=4326), author=resident)
    photo = make_alert_photo(alert=alert, data=jpeg(400, 300))
    log_in(browser_page, live_server, staff_client(moderator))
    browser_page.goto(f"{live_server.url}/moderation/")
    area = browser_page.locator(f'.photo-blur[data-photo="{photo.pk}"] .photo-blur-area')
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
