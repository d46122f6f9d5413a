"""One lock between those who redraw boundaries and those who route by them.

Routing reads the zones near an alert, then the homes in those zones, in several statements of one
transaction; a re-import committing in between would leave the homes pointing at versions the
routing did not pick, and their residents would hear nothing. Writers of boundaries hold the lock
exclusively until they commit, routing holds it shared: routings never wait for each other, and an
import waits only for the routings already under way. Transaction-level, so it goes with the commit."""

from django.db import connection

BOUNDARIES_LOCK = 0x76_7A_62  # "vzb"


def boundaries_lock_for_writing() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BOUNDARIES_LOCK])


def boundaries_lock_for_routing() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [BOUNDARIES_LOCK])
