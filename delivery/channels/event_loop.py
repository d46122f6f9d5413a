"""The event loop pushes are posted from (and the tests' push service answers on): uvloop's where it
is installed (it comes with uvicorn[standard], except on Windows), asyncio's otherwise. No Django
here: the tests' push service imports it before Django is set up."""

import asyncio

try:
    import uvloop
except ImportError:
    uvloop = None


def new_event_loop() -> asyncio.AbstractEventLoop:
    if uvloop is None:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
