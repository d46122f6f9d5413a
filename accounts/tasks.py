"""Registration emails, and the periodic clean-up of personal data scheduled by Celery beat (see
CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.conf import settings

from accounts import referents, services


@shared_task(name="accounts.proofs_purge_undecided", ignore_result=True)
def proofs_purge_undecided() -> int:
    """Delete proof files still undecided after `ACCOUNTS_PROOF_RETENTION_DAYS` days."""
    return services.proofs_purge_undecided(older_than_days=settings.ACCOUNTS_PROOF_RETENTION_DAYS)


@shared_task(name="accounts.access_logs_purge", ignore_result=True)
def access_logs_purge() -> int:
    """Delete access-log lines older than `ACCOUNTS_ACCESS_LOG_RETENTION_DAYS` days."""
    return services.access_logs_purge(older_than_days=settings.ACCOUNTS_ACCESS_LOG_RETENTION_DAYS)


@shared_task(name="accounts.login_records_purge", ignore_result=True)
def login_records_purge() -> int:
    """Delete login records older than `ACCOUNTS_LOGIN_RECORD_RETENTION_DAYS` days."""
    return services.login_records_purge(older_than_days=settings.ACCOUNTS_LOGIN_RECORD_RETENTION_DAYS)


@shared_task(name="accounts.sessions_purge_expired", ignore_result=True)
def sessions_purge_expired() -> None:
    """Delete the sessions that have expired (Django keeps them until told)."""
    services.sessions_purge_expired()


@shared_task(name=services.REGISTRATION_EMAIL_TASK, ignore_result=True)
def registration_email_send(*, user_id: int, existing: bool) -> None:
    """Mail the confirmation link of a new account, or the warning to the owner of a known address."""
    services.registration_email_send(user_id=user_id, existing=existing)


@shared_task(name=referents.INVITATION_EMAIL_TASK, ignore_result=True)
def referent_invitation_email_send(*, invitation_id: int) -> None:
    """Mail a neighbour the registration link a référent started for them."""
    referents.referent_invitation_email_send(invitation_id=invitation_id)
