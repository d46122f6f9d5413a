"""The live stream, driven directly (generator) and through the async view, on committed rows:
the stream reads from other threads and listens on its own PostgreSQL connection."""

import asyncio
import json
import threading

import pytest
from asgiref.sync import sync_to_async
from django.contrib.gis.geos import Point
from django.db import connections
from django.test import AsyncClient
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from alerts.models import AlertEvent
from maps.live import listener
from maps.live.stream import alert_event_stream
from tests.auth import resident_client, staff_client
from tests.maps.live.helpers import in_thread, publish

pytestmark = pytest.mark.django_db(transaction=True)

HERE = Point(5.005, 43.005, srid=4326)


def event_ids(messages: list[str]) -> list[int]:
    return [int(message.split("\n", 1)[0].removeprefix("id: ")) for message in messages if message.startswith("id: ")]


async def collect(stream, count: int, timeout: float = 60.0) -> list[str]:
    """The next `count` event messages (not comments or retry lines)."""
    messages = []
    async with asyncio.timeout(timeout):
        async for message in stream:
            message = message.decode() if isinstance(message, bytes) else message
            if message.startswith("id: "):
                messages.append(message)
                if len(messages) == count:
                    return messages
    return messages


published = in_thread(publish)


def run(coroutine):
    return asyncio.run(coroutine)


def test_replay_from_last_event_id_sends_the_missed_events_in_order_once(committed_world):
    events = [publish(world=committed_world, location=HERE)[1] for _ in range(5)]

    async def scenario():
        hub = listener.AlertEventHub()
        stream = alert_event_stream(
            service_ids=[committed_world.service.id], last_event_id=events[1].id, heartbeat_s=30, hub=hub
        )
        messages = await collect(stream, 3)
        await stream.aclose()
        await hub.close()
        return messages

    messages = run(scenario())

    assert event_ids(messages) == [event.id for event in events[2:]]
    payload = json.loads(messages[0].split("data: ", 1)[1])
    assert payload["kind"] == "published"
    assert payload["feature"]["geometry"]["coordinates"] == [5.005, 43.005]


async def replay_then_live(world, *, last_event_id: int, replayed_count: int, between=None):
    """A stream opened after `last_event_id`: its first `replayed_count` messages, then the next one
    once an alert is published, and that alert's event; `between(hub)` runs between the two."""
    hub = listener.AlertEventHub()
    stream = alert_event_stream(service_ids=[world.service.id], last_event_id=last_event_id, heartbeat_s=30, hub=hub)
    replayed = await collect(stream, replayed_count)
    if between is not None:
        between(hub)
    _alert, live = await published(world=world, location=HERE)
    following = await collect(stream, 1)
    await stream.aclose()
    await hub.close()
    return replayed, following, live


def test_a_live_event_follows_the_replay_and_a_replayed_id_is_never_sent_twice(committed_world):
    _alert, first = publish(world=committed_world, location=HERE)
    _alert, missed = publish(world=committed_world, location=HERE)

    def seam(hub):
        # The same event also arrives from the listener, as it does when it is committed while the
        # replay query runs.
        (subscription,) = hub._subscribers
        subscription.offer((missed.id, "id: duplicate\n\n"))

    replayed, following, live = run(
        replay_then_live(committed_world, last_event_id=first.id, replayed_count=1, between=seam)
    )

    assert event_ids(replayed) == [missed.id]
    assert event_ids(following) == [live.id]


def test_a_replay_reads_again_only_while_its_reads_come_back_full(committed_world, monkeypatch):
    """Events committed after the subscription come from its queue: the replay does not chase them
    with more reads (behind hundreds of connecting agents it would never catch up)."""
    monkeypatch.setattr(listener, "REPLAY_BATCH", 2)
    missed = [publish(world=committed_world, location=HERE)[1] for _ in range(3)]
    reads = []
    real = listener.events_after

    def counted(service_ids, after_id):
        reads.append(after_id)
        return real(service_ids, after_id)

    monkeypatch.setattr(listener, "events_after", counted)

    replayed, following, live = run(
        replay_then_live(committed_world, last_event_id=missed[0].id - 1, replayed_count=3)
    )

    assert event_ids(replayed) == [event.id for event in missed]
    assert event_ids(following) == [live.id]
    assert reads == [missed[0].id - 1, missed[1].id]


def test_an_agent_never_receives_another_police_service_events(committed_world):
    world = committed_world
    _alert, start = publish(world=world, location=HERE)
    _alert, foreign_before = publish(world=world, location=HERE, service=world.other_service)

    async def scenario():
        hub = listener.AlertEventHub()
        stream = alert_event_stream(service_ids=[world.service.id], last_event_id=start.id, heartbeat_s=30, hub=hub)
        first_task = asyncio.ensure_future(collect(stream, 2))
        await asyncio.sleep(0.5)
        await published(world=world, location=HERE, service=world.other_service)
        _alert, own = await published(world=world, location=HERE)
        _alert, own_again = await published(world=world, location=HERE)
        messages = await first_task
        await stream.aclose()
        await hub.close()
        return messages, [own.id, own_again.id]

    messages, own_ids = run(scenario())

    assert event_ids(messages) == own_ids
    assert foreign_before.id not in event_ids(messages)


def test_a_quiet_stream_sends_heartbeats_and_the_sweep_picks_up_an_event_never_notified(committed_world):
    world = committed_world
    _alert, start = publish(world=world, location=HERE)
    alert, _event = publish(world=world, location=HERE)

    async def scenario():
        hub = listener.AlertEventHub(sweep_s=0.3)
        stream = alert_event_stream(service_ids=[world.service.id], last_event_id=None, heartbeat_s=0.3, hub=hub)
        assert (await anext(stream)).startswith("retry: ")
        silent = await in_thread(AlertEvent.objects.create)(
            alert=alert, kind="status_changed", police_service=world.service
        )
        received = []
        async with asyncio.timeout(60):
            async for message in stream:
                received.append(message)
                if event_ids(received) and ": heartbeat\n\n" in received:
                    break
        await stream.aclose()
        await hub.close()
        return received, silent

    received, silent = run(scenario())

    assert ": heartbeat\n\n" in received
    assert event_ids(received) == [silent.id]


def test_the_listener_fans_one_notification_out_to_every_subscriber_of_the_service(committed_world):
    world = committed_world

    async def scenario():
        hub = listener.AlertEventHub()
        own = [await hub.subscribe([world.service.id]) for _ in range(3)]
        foreign = await hub.subscribe([world.other_service.id])
        _alert, event = await published(world=world, location=HERE)
        items = [await asyncio.wait_for(subscription.queue.get(), 5) for subscription in own]
        await asyncio.sleep(0.2)
        await hub.close()
        return items, foreign.queue.qsize(), event

    items, foreign_size, event = run(scenario())

    assert [event_id for event_id, _message in items] == [event.id] * 3
    assert foreign_size == 0


async def read_stream(client: AsyncClient, headers: dict, count: int) -> tuple[int, str, list[str]]:
    response = await client.get("/carte/police/flux/", headers=headers)
    if not response.streaming:
        # The test client keeps request connections open (for the test transaction); the view
        # read the session from asgiref's thread, whose connection is closed here.
        await sync_to_async(connections.close_all)()
        return response.status_code, response["Content-Type"], [response.content.decode()]
    messages = await collect(response.streaming_content, count)
    await response.streaming_content.aclose()
    # As the ASGI handler does: closing the response sends request_finished, which gives the
    # request's database connection back.
    await sync_to_async(response.close)()
    await listener.hub().close()  # the process-wide hub of this test's event loop
    return response.status_code, response["Content-Type"], messages


def async_client_of(sync_client) -> AsyncClient:
    client = AsyncClient()
    client.cookies = sync_client.cookies
    return client


def test_the_stream_view_replays_from_the_last_event_id_header(committed_world):
    events = [publish(world=committed_world, location=HERE)[1] for _ in range(3)]
    client = async_client_of(staff_client(committed_world.agent))

    status, content_type, messages = run(read_stream(client, {"Last-Event-ID": str(events[0].id)}, 2))

    assert status == 200
    assert content_type.startswith("text/event-stream")
    assert event_ids(messages) == [events[1].id, events[2].id]


def test_the_stream_view_refuses_residents_anonymous_people_and_agents_without_two_factor(committed_world):
    world = committed_world
    for client in (AsyncClient(), async_client_of(resident_client(world.resident))):
        status, _type, _messages = run(read_stream(client, {}, 1))
        assert status == 403
    # Logged in without a verified device: sent to the second-factor page, no stream.
    without_2fa = resident_client(world.agent)
    status, _type, messages = run(read_stream(async_client_of(without_2fa), {}, 1))
    assert status == 302
    assert not any(messages)


def test_the_stream_view_refuses_a_malformed_last_event_id(committed_world):
    client = async_client_of(staff_client(committed_world.agent))

    status, _type, messages = run(read_stream(client, {"Last-Event-ID": "12; DROP"}, 1))

    assert status == 400
    assert "Last-Event-ID" in messages[0]


def stream_after(world, sync_client, change, *, settle_s: float = 0) -> tuple[list[str], bool]:
    """Open the stream, apply `change` once it is listening, publish an alert of the agent's commune
    `settle_s` later: the event messages received, and whether the stream ended by itself."""

    async def scenario():
        response = await async_client_of(sync_client).get("/carte/police/flux/")
        reading = asyncio.ensure_future(collect(response.streaming_content, 1, timeout=3))
        await asyncio.sleep(0.5)
        await in_thread(change)()
        await asyncio.sleep(settle_s)
        await published(world=world, location=HERE)
        try:
            messages, ended = await reading, True
        except TimeoutError:
            messages, ended = [], False
        await response.streaming_content.aclose()
        await sync_to_async(response.close)()
        await listener.hub().close()
        return messages, ended

    return run(scenario())


@pytest.mark.parametrize("change", ["role removed", "logged out", "second factor removed"])
def test_an_open_stream_stops_once_the_agent_may_no_longer_see_it(committed_world, settings, change):
    settings.MAPS_LIVE_HEARTBEAT_S = 0.2
    settings.MAPS_LIVE_ACCESS_RECHECK_S = 0
    agent = committed_world.agent
    client = staff_client(agent)
    changes = {
        "role removed": lambda: Role.objects.filter(user=agent).delete(),
        "logged out": client.logout,
        "second factor removed": lambda: TOTPDevice.objects.filter(user=agent).delete(),
    }

    messages, ended = stream_after(committed_world, client, changes[change])

    assert messages == []
    assert ended


def test_a_revoked_stream_stops_within_the_recheck_interval(committed_world, settings):
    """With the answer kept for a while (and re-checked ahead of need), an event published once
    that while has passed is never sent, and the stream ends."""
    settings.MAPS_LIVE_HEARTBEAT_S = 0.2
    settings.MAPS_LIVE_ACCESS_RECHECK_S = 0.1
    agent = committed_world.agent

    messages, ended = stream_after(
        committed_world, staff_client(agent), Role.objects.filter(user=agent).delete, settle_s=0.2
    )

    assert messages == []
    assert ended


def test_an_open_stream_goes_on_while_the_agent_keeps_access(committed_world, settings):
    settings.MAPS_LIVE_HEARTBEAT_S = 0.2

    messages, _ended = stream_after(committed_world, staff_client(committed_world.agent), lambda: None)

    assert len(event_ids(messages)) == 1


def test_a_live_event_is_passed_on_while_the_replays_of_connecting_agents_are_stuck(committed_world):
    """The replays of agents connecting at once queue in a thread of their own: the reads that pass
    the live events on do not wait behind them."""
    world = committed_world
    stuck, release = threading.Event(), threading.Event()

    def slow_replay():
        stuck.set()
        release.wait(30)

    async def scenario():
        hub = listener.AlertEventHub()
        try:
            subscription = await hub.subscribe([world.service.id])
            replay = asyncio.ensure_future(hub.read_for_replay(slow_replay))
            await asyncio.to_thread(stuck.wait, 30)
            _alert, event = await published(world=world, location=HERE)
            event_id, _message = await asyncio.wait_for(subscription.queue.get(), 20)
            replay_done = replay.done()
            release.set()
            await replay
            return event_id, event.id, replay_done
        finally:
            release.set()
            await hub.close()

    received, expected, replay_done = run(scenario())

    assert received == expected
    assert not replay_done


def test_agents_of_one_service_connecting_together_share_a_replay_read_never_a_running_one(committed_world):
    world = committed_world
    running, release = threading.Event(), threading.Event()
    calls = []

    def read(service_ids, after_id):
        calls.append((service_ids, after_id))
        if len(calls) == 1:
            running.set()
            release.wait(30)
        return [(after_id, f"read {len(calls)}")]

    async def scenario():
        hub = listener.AlertEventHub()
        try:
            first = asyncio.ensure_future(hub.read_for_replay(read, (world.service.id,), 0))
            await asyncio.to_thread(running.wait, 30)
            # Asked while the first identical read runs: a read of its own, shared by the two
            # identical reads asked while it waits; another service's read is never shared.
            later = [asyncio.ensure_future(hub.read_for_replay(read, (world.service.id,), 0)) for _ in range(2)]
            other = asyncio.ensure_future(hub.read_for_replay(read, (world.other_service.id,), 0))
            await asyncio.sleep(0.1)
            release.set()
            return await first, [await future for future in later], await other
        finally:
            release.set()
            await hub.close()

    first, later, other = run(scenario())

    assert first == [(0, "read 1")]
    assert later == [[(0, "read 2")]] * 2
    assert other == [(0, "read 3")]
    assert calls == [((world.service.id,), 0), ((world.service.id,), 0), ((world.other_service.id,), 0)]
