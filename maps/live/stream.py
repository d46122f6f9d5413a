"""The Server-Sent Events stream of a police live map.

Order of work on connection: subscribe to the process's listener first, then replay from the
database what came after the browser's Last-Event-ID, then pass on live events. An event committed
during the replay is both replayed and queued live; ids already sent are skipped, so each event is
sent once. A quiet stream sends a heartbeat comment so proxies keep the connection open.

A stream lasts a shift, longer than the access check that opened it: `still_allowed` is asked again
at every heartbeat and before every event, and the stream ends as soon as it says no (logout,
expired session, role removed). The browser then reconnects through the view's access check, and
Last-Event-ID makes the reconnection lossless for an agent who is still allowed."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from maps.live import listener

RETRY_MS = 1000


async def always_allowed() -> bool:
    return True


async def alert_event_stream(
    *,
    service_ids: list[int],
    last_event_id: int | None,
    heartbeat_s: float,
    hub: listener.AlertEventHub,
    still_allowed: Callable[[], Awaitable[bool]] = always_allowed,
) -> AsyncIterator[str]:
    service_ids = tuple(sorted(service_ids))  # the key of reads shared by the agents of the same services
    subscription = await hub.subscribe(service_ids)
    try:
        if last_event_id is None:
            last_event_id = await hub.read_for_replay(listener.last_event_id, service_ids)
        yield f"retry: {RETRY_MS}\n\n"
        sent: set[int] = set()
        newest = last_event_id

        async def replay() -> AsyncIterator[str]:
            # Read again only while the reads come back full: what is committed after the
            # subscription is in its queue already. Chasing the newest events instead, a stream
            # whose reads wait behind hundreds of connecting agents never caught up with them.
            nonlocal newest
            while True:
                batch = await hub.read_for_replay(listener.events_after, service_ids, newest)
                for event_id, message in batch:
                    newest = max(newest, event_id)
                    if event_id not in sent:
                        sent.add(event_id)
                        listener.trace("P", event_id)
                        yield message
                if len(batch) < listener.REPLAY_BATCH:
                    return

        async for message in replay():
            yield message
        while True:
            try:
                async with asyncio.timeout(heartbeat_s):
                    item = await subscription.queue.get()
            except TimeoutError:
                if not await still_allowed():
                    return
                yield ": heartbeat\n\n"
                continue
            if not await still_allowed():
                return
            if item is listener.RESYNC:
                async for message in replay():
                    yield message
                continue
            event_id, message = item
            if event_id in sent or event_id <= last_event_id:
                continue
            sent.add(event_id)
            newest = max(newest, event_id)
            listener.trace("W", event_id)
            yield message
    finally:
        hub.unsubscribe(subscription)
