"""The users of the national load test, for locust; run by bench/national_load.py, which writes the
configuration (sessions, alerts to publish, rates) to the JSON file named by NATIONAL_LOAD_CONFIG
and reads back what this process observed (receipts, publications, connections) from the file
named by NATIONAL_LOAD_OBSERVATIONS. It runs the agents in one locust process and the residents
and moderators in another, naming the user classes on locust's command line.

- PoliceAgent holds the live map's Server-Sent Events stream open, as the browser's EventSource
  does (reconnecting with Last-Event-ID), and stamps each `id:` line with the wall clock.
- Resident opens their neighbourhood map and their inbox, at a fixed rate per simulated user.
- Moderator publishes pending alerts through the moderation API at the configured hourly rate,
  stamping the moment before the request: publication to agent receipt is measured from it."""

import itertools
import json
import os
import time
from pathlib import Path

from locust import FastHttpUser, HttpUser, constant, constant_throughput, events, task

CONFIG = json.loads(Path(os.environ["NATIONAL_LOAD_CONFIG"]).read_text())
CSRF = CONFIG["csrf"]  # the session's token, as the moderators' browsers send it back
received: list[tuple[int, int, float]] = []  # (agent, event id, wall clock at receipt)
published: dict[int, float] = {}  # alert id -> wall clock just before the publish request
answered: dict[int, float] = {}  # alert id -> wall clock when the publish request's answer came
connected: dict[int, float] = {}  # agent -> wall clock when its first stream was accepted
agent_keys = iter(enumerate(CONFIG["agent_sessions"]))
resident_keys = itertools.cycle(CONFIG["resident_sessions"])
moderator_keys = itertools.cycle(CONFIG["moderator_sessions"])
pending_alerts = iter(CONFIG["pending_alert_ids"])


class PoliceAgent(HttpUser):
    fixed_count = CONFIG["agents"]
    wait_time = constant(1)  # the EventSource's reconnection delay after a stream ends

    def on_start(self):
        self.index, key = next(agent_keys)
        self.client.cookies.set("sessionid", key)
        self.last_event_id = None

    @task
    def stream(self):
        headers = {"Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        with self.client.get(
            "/carte/police/flux/",
            headers=headers,
            stream=True,
            name="live map stream",
            timeout=(30, 600),
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                connected.setdefault(self.index, time.time())
            # chunk_size=None: each chunk as nginx sends it, so an event is read the moment it arrives.
            for line in response.iter_lines(chunk_size=None):
                if line.startswith(b"id:"):
                    self.last_event_id = int(line[3:])
                    received.append((self.index, self.last_event_id, time.time()))


class Resident(FastHttpUser):
    weight = 1
    wait_time = constant_throughput(CONFIG["resident_rps_each"] or 1)  # --rps 0: not started at all

    def on_start(self):
        self.cookie = {"Cookie": f"sessionid={next(resident_keys)}"}

    @task
    def neighbourhood_map(self):
        self.client.get("/carte/quartier/", headers=self.cookie, name="resident map")

    @task
    def inbox(self):
        self.client.get("/messages/", headers=self.cookie, name="resident inbox")


class Moderator(FastHttpUser):
    fixed_count = CONFIG["moderators"]
    wait_time = constant_throughput(CONFIG["publications_per_second"] / max(1, CONFIG["moderators"]))

    def on_start(self):
        self.headers = {
            "Cookie": f"sessionid={next(moderator_keys)}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Content-Type": "application/json",
        }

    @task
    def publish(self):
        alert_id = next(pending_alerts, None)
        if alert_id is None:
            return
        published[alert_id] = time.time()
        self.client.post(
            f"/api/moderation/alerts/{alert_id}/publish/", data="{}", headers=self.headers, name="moderator publish"
        )
        answered[alert_id] = time.time()


@events.quitting.add_listener
def write_observations(environment, **kwargs):
    seen = {"received": received, "published": published, "answered": answered, "connected": connected}
    Path(os.environ["NATIONAL_LOAD_OBSERVATIONS"]).write_text(json.dumps(seen))
