# Models are split by topic; every module is imported here so Django sees them all.
from alerts.models.core import Alert, AlertCategory, AlertEvent, Family, RejectionReason  # noqa: F401
from alerts.models.moderation import *  # noqa: F401, F403
from alerts.models.participation import AlertAppeal, AlertConfirmation  # noqa: F401
from alerts.models.photos import AlertPhoto  # noqa: F401
