"""Everything the platform holds about a person, as JSON-ready data (the right of access).

Rows are found through every relation that points at the user model, hidden ones (`related_name="+"`)
included, so data added later by other parts is exported without this module knowing them.
Secrets (password hashes, second-factor keys, tokens) are never exported, nor other people's data:
a staff member is named by their role, and rows the person only acted on (a home they verified, an
alert they moderated) export the fields listed in `ACTED_ON_FIELDS`, or just their ids."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ProofOfResidence, User

SECRET_FIELDS = {"password", "key", "token", "secret", "session_key", "session_data", "throttling_failure_timestamp"}
USER_FIELDS = [
    "id", "email", "display_name", "language", "date_joined", "email_confirmed_at", "last_login", "is_active",
]  # fmt: skip
# Rows about what the person did to or received from others, without the other people involved:
# every hidden relation, and the admin's history (whose lines name the objects changed). Foreign
# keys among these fields are exported as ids. A hidden relation missing here exports its row ids only.
ACTED_ON_FIELDS = {
    "admin.logentry.user": ["action_time", "content_type", "object_id", "action_flag"],
    "accounts.residence.decided_by": ["id", "commune", "status", "decided_at"],
    "accounts.proofofresidence.decided_by": ["id", "outcome", "decided_at"],
    "accounts.accesslog.viewer": ["kind", "object_id", "commune", "accessed_at"],
    "accounts.accesslog.subject": ["kind", "object_id", "accessed_at"],
    "delivery.delivery.recipient": [
        "id", "kind", "alert", "broadcast", "status", "email_status", "sms_status", "push_status", "created_at",
        "sent_at", "read_at",
    ],
    "alerts.alerttransition.actor": ["alert", "field", "from_state", "to_state", "reason", "note", "created_at"],
    "alerts.alertredaction.moderator": ["alert", "created_at", "restored_at"],
    "alerts.alertredaction.restored_by": ["alert", "restored_at"],
    # "Je l'ai vu aussi": the alert by id only, its label would tell when and where someone else reported.
    "alerts.alertconfirmation.resident": ["alert", "created_at"],
    "alerts.alertappeal.rejected_by": ["alert", "outcome", "created_at"],
    "alerts.alertappeal.decided_by": ["alert", "outcome", "decided_at"],
    "delivery.broadcast.author": [
        "id", "commune", "kind", "title", "body", "target", "by_email", "by_sms", "created_at", "recipients",
    ],
}  # fmt: skip


def staff_role(field_name: str) -> str:
    """How the export names another person who acted on the person's data: by role, never by name."""
    if field_name == "decided_by":
        return _("un vérificateur de la commune")
    return _("un membre de l'équipe de la commune")


def _value(value):
    if isinstance(value, GEOSGeometry):
        return {"type": value.geom_type, "coordinates": value.coords, "srid": value.srid}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return bool(value.name)  # whether a file is still held, never where
    return value


def _row(instance: models.Model, owner: User) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        if field.is_relation and field.related_model is User:
            related_id = getattr(instance, field.attname)
            other = related_id is not None and related_id != owner.pk
            data[field.name] = {"role": staff_role(field.name)} if other else related_id
        elif field.is_relation and field.related_model is type(instance):
            # Another row like this one (the alert a report was merged into) is someone else's: by
            # id only, its label would tell when and where they reported.
            data[field.name] = getattr(instance, field.attname)
        elif field.is_relation:
            related = getattr(instance, field.name)
            data[field.name] = None if related is None else {"id": related.pk, "label": str(related)}
        else:
            data[field.name] = _value(getattr(instance, field.attname))
    return data


def _acted_on_row(instance: models.Model, names: list[str]) -> dict:
    fields = [instance._meta.get_field(name) for name in names]
    return {field.name: _value(getattr(instance, field.attname)) for field in fields}


def _user_relations():
    """Every foreign key to the user model, hidden ones included, but not many-to-many link tables."""
    for relation in User._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue
        if relation.field.concrete and not relation.related_model._meta.auto_created:
            yield relation


def personal_data_export(user: User) -> dict:
    export = {
        "exported_at": timezone.now().isoformat(),
        "account": {name: _value(getattr(user, name)) for name in USER_FIELDS},
    }
    for relation in _user_relations():
        model = relation.related_model
        rows = model._base_manager.filter(**{relation.field.name: user}).order_by("pk")
        label = f"{model._meta.app_label}.{model._meta.model_name}.{relation.field.name}"
        if label in ACTED_ON_FIELDS or relation.hidden:
            export[label] = [_acted_on_row(row, ACTED_ON_FIELDS.get(label, ["id"])) for row in rows]
        else:
            export[label] = [_row(row, user) for row in rows]
    # Reached through the home: listed explicitly.
    proofs = ProofOfResidence.objects.filter(residence__user=user).order_by("pk")
    export["accounts.proofofresidence"] = [_row(proof, user) for proof in proofs]
    return export
