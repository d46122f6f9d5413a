"""The pages of text messages both ways on a 390x844 phone, including the desk's, which the walk
of every page does not reach (its walkers hold no desk): no horizontal scrolling, 44 px targets,
axe-core reporting no violation."""

import json

import pytest

from tests.accounts.conftest import homes, private_storage, subjects, world  # noqa: F401 - the access tests' world
from tests.browser.conftest import screenshot
from tests.browser.test_phone_pages import AXE, AXE_RUN_JS, MIN_TARGET_PX, PHONE, PHONE_CHECKS_JS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]


def test_the_mobile_and_desk_pages_fit_a_phone_and_pass_axe(server, request):
    the_world, values = request.getfixturevalue("world"), request.getfixturevalue("subjects")
    open_page = request.getfixturevalue("open_page")
    pages = [
        ("resident_a", "/preferences/mobile/"),
        ("staff_a", "/mairie/guichet/"),
        ("staff_a", f"/mairie/guichet/{values['desk_a']}/"),
    ]
    problems = {}
    for role, url in pages:
        client = the_world.client(role)
        assert client.get(url).status_code == 200
        page = open_page(client, viewport=PHONE, is_mobile=True, has_touch=True)
        page.goto(server.url + url, wait_until="load")
        found = page.evaluate(PHONE_CHECKS_JS, [MIN_TARGET_PX, False])
        page.evaluate(AXE.read_text())
        found += page.evaluate(AXE_RUN_JS)
        if found:
            problems[f"{role} {url}"] = found
            screenshot(page, "phone-" + url.strip("/").replace("/", "-"))
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
