"""What the site navigation offers a person, from their roles. Evaluated lazily: pages that do not
render the navigation make no query.

Every page renders it, and working it out is a query of seven subqueries whose building costs
several milliseconds of Python: the answer is kept in the cache per person, forgotten as soon as one
of their roles, their home or their référent terms is saved or deleted (accounts/receivers.py), and
after ACCOUNTS_NAVIGATION_CACHE_S at the latest (a référent term starting or ending with the day).
The navigation only offers links: every page still checks access itself."""

from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from accounts.selectors import (
    is_platform_admin,
    moderated_communes,
    police_services_of,
    referent_naming_communes,
    referent_terms_of,
    staffed_communes,
    verified_residences,
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


def navigation_cache_key(user_id: int) -> str:
    return f"accounts:navigation:{user_id}"


def navigation_forget(user_id: int) -> None:
    """After a change of the person's roles, home or référent terms; again once it commits, so a
    page rendered meanwhile from the old rows cannot leave its answer behind."""
    key = navigation_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def navigation_for(user) -> Navigation | None:
    if user is None or not user.is_authenticated:
        return None
    key = navigation_cache_key(user.pk)
    navigation = cache.get(key)
    if navigation is None:
        navigation = navigation_read(user)
        cache.set(key, navigation, settings.ACCOUNTS_NAVIGATION_CACHE_S)
    # Read from the user row of this request, never from the cache.
    return replace(navigation, admin=is_platform_admin(user))


def navigation_read(user) -> Navigation:
    # One query answers every question (seven before), each EXISTS being the selector's own
    # queryset, so a link shows under the same rule as its page.
    answers = (
        User.objects.filter(pk=user.pk)
        .values(
            resident=Exists(verified_residences(user)),
            moderator=Exists(moderated_communes(user)),
            police=Exists(police_services_of(user)),
            verifier=Exists(verifier_communes(user)),
            staff=Exists(staffed_communes(user)),
            referent=Exists(referent_terms_of(user)),
            names_referents=Exists(referent_naming_communes(user)),
        )
        .get()
    )
    staff = answers.pop("staff")
    return Navigation(
        **answers,
        admin=False,
        staffed_communes=list(staffed_communes(user).only("code", "name").order_by("name")) if staff else [],
    )


def navigation(request) -> dict:
    # An error page can be rendered before the authentication middleware has run.
    return {"navigation": SimpleLazyObject(lambda: navigation_for(getattr(request, "user", None)))}
