"""The live streams' access re-checks, answered in batches: the same answers as one session at a
time, in a number of queries that does not grow with the number of agents."""

import asyncio
import threading

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from maps.live import access, listener
from tests.auth import resident_client, staff_client
from tests.factories import UserFactory, make_role
from tests.maps.live.helpers import in_thread

pytestmark = pytest.mark.django_db(transaction=True)


def agents_signed_in(world, count: int) -> list[tuple]:
    """`count` more agents of the world's service, each signed in past the second factor."""
    people = []
    for _ in range(count):
        agent = UserFactory()
        make_role(user=agent, kind=Role.Kind.POLICE_AGENT, police_service=world.service)
        people.append((agent, staff_client(agent).session.session_key))
    return people


def batches_counted(monkeypatch) -> list[list[str]]:
    """The session keys of every batch of access checks from now on, each sorted."""
    batches = []
    real = access.streams_service_ids

    def counted(session_keys):
        batches.append(sorted(session_keys))
        return real(session_keys)

    monkeypatch.setattr(access, "streams_service_ids", counted)
    return batches


def test_many_sessions_are_checked_in_a_few_queries_with_the_answers_of_one_at_a_time(
    committed_world, django_assert_max_num_queries
):
    world = committed_world
    agents = agents_signed_in(world, 12)
    both = UserFactory()
    make_role(user=both, kind=Role.Kind.POLICE_AGENT, police_service=world.service)
    make_role(user=both, kind=Role.Kind.POLICE_AGENT, police_service=world.other_service)
    both_key = staff_client(both).session.session_key
    other_key = staff_client(world.other_agent).session.session_key
    without_2fa_key = resident_client(world.agent).session.session_key
    role_gone, device_gone, logged_out = agents[0], agents[1], agents[2]
    Role.objects.filter(user=role_gone[0]).delete()
    TOTPDevice.objects.filter(user=device_gone[0]).delete()
    logged_out_client = staff_client(logged_out[0])
    logged_out_key = logged_out_client.session.session_key
    logged_out_client.logout()
    keys = [key for _agent, key in agents] + [both_key, other_key, without_2fa_key, logged_out_key, "absent"]

    with django_assert_max_num_queries(5):
        answers = access.streams_service_ids(keys)

    assert answers == {key: access.stream_service_ids(key) for key in keys}
    assert answers[both_key] == sorted([world.service.id, world.other_service.id])
    assert answers[other_key] == [world.other_service.id]
    for key in (role_gone[1], device_gone[1], without_2fa_key, logged_out_key, "absent"):
        assert answers[key] == []
    assert all(answers[key] == [world.service.id] for _agent, key in agents[3:])


def test_checks_asked_together_are_answered_by_one_batch_and_kept_for_their_age(
    committed_world, monkeypatch, settings
):
    settings.MAPS_LIVE_ACCESS_RECHECK_S = 0  # no re-check ahead of need here: only the batches asked
    world = committed_world
    keys = [key for _agent, key in agents_signed_in(world, 8)]
    batches = batches_counted(monkeypatch)

    async def scenario():
        hub = listener.AlertEventHub()
        try:
            first = await asyncio.gather(*(hub.access(key, max_age_s=60) for key in keys))
            again = await hub.access(keys[0], max_age_s=60)  # young enough: no query
            fresh = await hub.access(keys[0], max_age_s=0)  # must be checked anew
            return first, again, fresh
        finally:
            await hub.close()

    first, again, fresh = asyncio.run(scenario())

    assert batches == [sorted(keys), [keys[0]]]
    assert [services for _at, services in first] == [[world.service.id]] * len(keys)
    assert again == first[0]
    assert fresh[1] == [world.service.id] and fresh[0] > first[0][0]


def test_a_check_asked_during_a_batch_waits_for_the_next_one_and_sees_the_revocation(
    committed_world, monkeypatch, settings
):
    """A batch's answers hold as of its start: a stream asking after a revocation is not given the
    answer of a batch that began before it."""
    settings.MAPS_LIVE_ACCESS_RECHECK_S = 0
    world = committed_world
    (agent, key), (_other, other_key) = agents_signed_in(world, 2)
    real = access.streams_service_ids
    calls = []

    def slow_first(session_keys):
        calls.append(list(session_keys))
        if len(calls) == 1:
            answers = real(session_keys)
            entered.set()
            released.wait(30)
            return answers
        return real(session_keys)

    entered, released = threading.Event(), threading.Event()
    monkeypatch.setattr(access, "streams_service_ids", slow_first)

    async def scenario():
        hub = listener.AlertEventHub()
        try:
            before = asyncio.ensure_future(hub.access(other_key, max_age_s=0))
            await asyncio.to_thread(entered.wait, 30)
            await in_thread(lambda: Role.objects.filter(user=agent).delete())()
            after = asyncio.ensure_future(hub.access(key, max_age_s=0))
            await asyncio.sleep(0)
            released.set()
            return await before, await after
        finally:
            await hub.close()

    before, after = asyncio.run(scenario())

    assert calls == [[other_key], [key]]
    assert before[1] == [world.service.id]
    assert after[1] == []


def test_the_sessions_in_use_are_rechecked_ahead_of_need_and_a_revocation_shows_unasked(
    committed_world, monkeypatch, settings
):
    settings.MAPS_LIVE_ACCESS_RECHECK_S = 0.4
    world = committed_world
    ((agent, key),) = agents_signed_in(world, 1)
    batches = batches_counted(monkeypatch)

    async def scenario():
        hub = listener.AlertEventHub()
        try:
            first = await hub.access(key, max_age_s=0.4)
            async with asyncio.timeout(30):
                # The first batch was asked; the next one nobody asked. A batch is counted as it
                # starts and its answer recorded when it ends: wait for both.
                while len(batches) < 2 or hub._access_known.get(key, first)[0] <= first[0]:
                    await asyncio.sleep(0.05)
            refreshed = hub._access_known[key]
            await in_thread(lambda: Role.objects.filter(user=agent).delete())()
            async with asyncio.timeout(30):
                while hub._access_known[key][1]:
                    await asyncio.sleep(0.05)
            return first, refreshed
        finally:
            await hub.close()

    first, refreshed = asyncio.run(scenario())

    assert first[1] == [world.service.id]
    assert refreshed[1] == [world.service.id] and refreshed[0] > first[0]
    assert all(batch == [key] for batch in batches)
