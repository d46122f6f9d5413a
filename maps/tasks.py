"""Background work of the maps: the mayors' dashboards computed before anyone opens them."""

import logging

from celery import shared_task
from django.conf import settings
from django.http import Http404
from django.utils import timezone, translation
from rest_framework.exceptions import ValidationError

from accounts.models import Role
from maps.statistics import dashboard

logger = logging.getLogger(__name__)


@shared_task(name="maps.dashboards_warm")
def dashboards_warm() -> int:
    """Fill the cache with each commune's default dashboard (the last complete year, burglary), as
    one of its mayors sees it. A commune whose data did not change since the last run costs one
    fingerprint query: its key is already there."""
    warmed = 0
    roles = Role.objects.filter(kind=Role.Kind.MAYOR, commune__isnull=False).select_related("user", "commune")
    seen: set[int] = set()
    with translation.override(settings.LANGUAGE_CODE):
        for role in roles.order_by("commune_id", "id"):
            if role.commune_id in seen or not role.user.is_active:
                continue
            seen.add(role.commune_id)
            try:
                query = dashboard.dashboard_query(role.user, {}, role.commune.code)
            except (ValidationError, Http404):
                logger.warning("dashboard of %s not warmed: its default query is refused", role.commune.code)
                continue
            dashboard.cached_dashboard_data(query, today=timezone.localdate())
            warmed += 1
    return warmed
