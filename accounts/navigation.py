"""What the site navigation offers a person, from their roles. Evaluated lazily: pages that do not
render the navigation make no query."""

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from accounts.selectors import (
    is_platform_admin,
    moderated_communes,
    police_services_of,
    referent_naming_communes,
    referent_terms_of,
    staffed_communes,
    verified_residence,
    verifier_communes,
)
from zones.models import Commune


@dataclass(frozen=True)
class Navigation:
    resident: bool
    moderator: bool
    police: bool
    verifier: bool
    admin: bool
    staffed_communes: list[Commune]
    referent: bool = False
    names_referents: bool = False


def navigation_for(user) -> Navigation | None:
    if user is None or not user.is_authenticated:
        return None
    return Navigation(
        resident=verified_residence(user) is not None,
        moderator=moderated_communes(user).exists(),
        police=police_services_of(user).exists(),
        verifier=verifier_communes(user).exists(),
        admin=is_platform_admin(user),
        staffed_communes=list(staffed_communes(user).order_by("name")),
        referent=referent_terms_of(user).exists(),
        names_referents=referent_naming_communes(user).exists(),
    )


def navigation(request) -> dict:
    # An error page can be rendered before the authentication middleware has run.
    return {"navigation": SimpleLazyObject(lambda: navigation_for(getattr(request, "user", None)))}
