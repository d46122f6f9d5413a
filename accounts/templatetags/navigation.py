"""The site navigation's links, rendered once per process for each navigation and language.

Every page shows them, and rendering them (some twenty URL reversals and translations) took about a
millisecond of every page. They depend on nothing but the navigation's value (accounts/navigation.py,
read per request) and the language, and change only with the code, so each process keeps the few
renderings its visitors need. The page still checks access itself: these are only links."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

RENDERED: dict[tuple[str, str], SafeString] = {}
RENDERED_MAX = 512  # kinds of navigation (roles, staffed communes) times languages


@register.simple_tag(takes_context=True)
def navigation_links(context) -> SafeString:
    navigation = context.get("navigation")
    # The value itself, its roles and communes (code and name) included, keys the rendering: a
    # change of roles is a new key at once.
    key = (get_language(), str(navigation))
    links = RENDERED.get(key)
    if links is None:
        if len(RENDERED) >= RENDERED_MAX:
            RENDERED.clear()
        links = RENDERED[key] = render_to_string("_navigation_links.html", {"navigation": navigation})
    return links
