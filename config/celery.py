import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("vigie")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def worker_warm(**kwargs) -> None:
    """Import the URL configuration and load the translation catalogues once in the worker's main
    process, before its pool forks: each child inherits them instead of paying for them in its
    first task (reverse() imports every view; a delivery's link and language need both), which
    delayed the first pushes of a publication by as much as a second (bench/RESULTS.md)."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    for urlconf in (None, "delivery.urls"):  # the site's, and the one delivery links are made from
        get_resolver(urlconf).reverse_dict  # noqa: B018 - populates the resolver
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Vigie")


@task_prerun.connect
@task_postrun.connect
def database_connections_tidy(sender=None, **kwargs) -> None:
    """With CELERY_DB_REUSE_MAX, Celery keeps a task's database connections for the next task
    instead of opening a PostgreSQL backend per task; as between two web requests, one that broke
    or outlived CONN_MAX_AGE is closed here (CONN_MAX_AGE 0 closes it after every task)."""
    from django.db import close_old_connections

    if not getattr(getattr(sender, "request", None), "is_eager", False):  # a task run inside the caller's transaction
        close_old_connections()
