"""Who is told of mutual help, through the delivery ledger where alerts are told: the neighbours of a
request when it is published, its author when a neighbour offers to help, the helper when the author
accepts. The inbox always; email, SMS and push as each person chose, after their quiet hours; never
urgent. A request withdrawn by its moderators leaves the inboxes that had not opened it."""

from psycopg import sql

from accounts.models import Role
from accounts.selectors import verified_residents_sql
from delivery.models import Delivery
from delivery.notices import fan_out_notice_send, fan_out_notice_withdraw, resident_notice_send
from solidarity.models import SolidarityOffer, SolidarityRequest

# Police agents are never told of mutual help, even where they live: it is kept apart from security.
_NEIGHBOURS = sql.SQL(
    """
        SELECT r.user_id, false AS is_police FROM ({residents}) AS r
        WHERE NOT EXISTS (
            SELECT 1 FROM accounts_role role WHERE role.user_id = r.user_id AND role.kind = %(police_agent)s)
"""
)


def request_neighbours_tell(*, request: SolidarityRequest) -> int:
    """The verified residents of the request's neighbourhood (of the commune when its author lives in
    none: those who see it on their list), the author excepted, each told once, in one statement;
    returns how many were told now (0 when they had been). Call in the transaction that published it."""
    if request.neighbourhood_id is None:
        residents, params = verified_residents_sql(commune_id=request.commune_id, excluding_user_id=request.author_id)
    else:
        residents, params = verified_residents_sql(
            neighbourhood_ids=[request.neighbourhood_id], excluding_user_id=request.author_id
        )
    return fan_out_notice_send(
        kind=Delivery.Kind.SOLIDARITY,
        notice_id=request.pk,
        recipients=_NEIGHBOURS.format(residents=residents),
        params={**params, "police_agent": Role.Kind.POLICE_AGENT},
        time_zone=request.commune.time_zone,
        message_at=request.published_at,
    )


def request_withdrawn_untell(*, request: SolidarityRequest) -> int:
    """The request's unread items leave the neighbours' inboxes; returns how many."""
    if request.published_at is None:
        return 0
    return fan_out_notice_withdraw(
        kind=Delivery.Kind.SOLIDARITY, notice_id=request.pk, message_at=request.published_at
    )


def offer_author_tell(*, offer: SolidarityOffer) -> bool:
    """The author learns that a neighbour offers to help, once per offer."""
    return resident_notice_send(
        kind=Delivery.Kind.SOLIDARITY_OFFER,
        notice_id=offer.pk,
        resident_id=offer.request.author_id,
        time_zone=offer.request.commune.time_zone,
        noticed_at=offer.created_at,
    )


def acceptance_helper_tell(*, offer: SolidarityOffer) -> bool:
    """The helper learns that the author accepted, and where their conversation is, once per offer."""
    return resident_notice_send(
        kind=Delivery.Kind.SOLIDARITY_ACCEPTED,
        notice_id=offer.pk,
        resident_id=offer.helper_id,
        time_zone=offer.request.commune.time_zone,
        noticed_at=offer.decided_at,
    )
