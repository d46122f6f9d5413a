"""Background work of the maps: the mayors' dashboards computed before anyone opens them."""

import logging

from celery import shared_task
from django.conf import settings
from django.http import Http404
from django.utils import timezone, translation
from rest_framework.exceptions import ValidationError

from accounts.models import Role, User
from maps.statistics import dashboard
from maps.statistics.council_report import FAILED, READY, council_report_mark, council_report_pdf

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


@shared_task(name="maps.council_report")
def council_report(*, report_id: str, user_id: int, code: str, params: dict, language: str) -> None:
    """Lay out the council report PDF as the requester would see the dashboard, in their language.
    A requester gone or no longer allowed gets nothing; a refused query marks the report failed."""
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is None:
        return
    with translation.override(language):
        try:
            query = dashboard.dashboard_query(user, params, code)
        except (ValidationError, Http404):
            council_report_mark(report_id=report_id, user_id=user_id, state=FAILED)
            return
        try:
            pdf = council_report_pdf(query=query, today=timezone.localdate())
        except Exception:
            # The requester's page says it failed instead of waiting for ever; the error is logged.
            council_report_mark(report_id=report_id, user_id=user_id, state=FAILED)
            raise
    filename = f"rapport-conseil-{code}-{query.start:%Y-%m}-{language}.pdf"
    council_report_mark(report_id=report_id, user_id=user_id, state=READY, pdf=pdf, filename=filename)
