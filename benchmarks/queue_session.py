"""One browser tab (or API client) on a Gradio app, for ``benchmarks/classroom.py``: what the
page sends, in the order it sends it, over Gradio's queue protocol ("sse_v3").

Written out here rather than through ``gradio_client``, whose polling threads (a 50 ms sleep
loop per call) took more of the two cores than the server did (0.5–0.8 cores for 30 students).

A pen-up on the pad (``path`` "live") is every server event of the pad's ``change``, as
Gradio's front end (6.31) dispatches them: one after another in the order they were wired,
each queued one awaited to its end before the next (its ``dispatch`` loop), unqueued ones
posted to ``/run/predict``; and, as the page does, the ``change`` events of any component an
answer gave a new value. A later event the server fails is counted (:attr:`Session.failed`),
not raised: the page shows nothing for it either. Each input is sent as the page sends it:
the drawing for the pad, ``None`` for a session ``State`` (kept on the server), each other
component's value on the page (its default: a student who changed nothing and opened no
experiment).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import numpy as np

CONTROLS = ("prediction", "cam", "layer4", 0.5, "viridis", False)  # the page's defaults
TOLERANCE = 1e-4
FOLLOW_DEPTH = 3  # change events of changed outputs, followed this many hops at most


def check(probabilities: list[float] | None, expected: np.ndarray | None) -> str | None:
    """None when an answer's probabilities are the expected ones (to :data:`TOLERANCE`), else
    what differs. ``expected`` None: a blank page, which has no probabilities."""
    if expected is None:
        return None if probabilities is None else "an answer for a blank page"
    if probabilities is None or np.abs(np.asarray(probabilities) - expected).max() > TOLERANCE:
        return f"expected {np.round(expected, 3).tolist()}, got {probabilities}"
    return None


def _unchanged(value: object) -> bool:
    """Gradio's "no update" for an output (``gr.skip()``, or an output a handler's dict left
    out)."""
    return isinstance(value, dict) and value.get("__type__") == "update" and len(value) == 1


class Session:
    """One page (``path`` "live": pen-ups on the pad, :meth:`send` with the pad's value) or
    one API client (``path`` "api": ``/explain`` as ``gradio_client`` calls it: the PNG
    uploaded, the call queued, the overlay fetched). ``answers``: the expected probabilities
    by drawing and file (None: not checked). After :meth:`send`, :attr:`answered_at` is when
    the answer and its pictures had arrived (``time.perf_counter``)."""

    def __init__(self, url: str, path: str, answers: dict | None) -> None:
        self.url, self.path, self.answers = url, path, answers
        self.http = httpx.Client(timeout=300)
        self.session = os.urandom(8).hex()
        self.answered_at = 0.0
        config = self.http.get(f"{url}config").json()
        self.config = config
        name = "on_draw" if path == "live" else "explain"
        event = next(d for d in config["dependencies"] if d.get("api_name") == name)
        self.fn_index = event["id"]
        self.arity = len(event["inputs"])  # a session State (class membership) is sent as None
        self.trigger = event["targets"][0][0] if path == "live" else None
        components = {c["id"]: c for c in config["components"]}
        # What the page would send for each component: its value on the page; None for State.
        self.values = {i: None if c.get("type") == "state" else c.get("props", {}).get("value")
                       for i, c in components.items()}
        self.changes: dict[int, list[dict]] = {}  # component id -> its change events, in order
        for dependency in config["dependencies"]:
            if dependency.get("backend_fn"):
                for target, kind in dependency["targets"]:
                    if kind == "change":
                        self.changes.setdefault(target, []).append(dependency)
        self.sent: dict[int, int] = {}  # events sent, by id (what a pen-up costs, in calls)
        self.failed: dict[int, int] = {}  # a pen-up's later events the server failed, by id

    def _body(self, fn_index: int, data: list, trigger: int | None) -> dict:
        return {"data": data, "event_data": None, "fn_index": fn_index,
                "trigger_id": trigger, "session_hash": self.session}

    def call(self, data: list, fn_index: int | None = None, params: dict | None = None,
             trigger: int | None = None) -> list:
        """Queue one call (the main event, or ``fn_index`` with the page's query ``params``)
        and return the answer's data once it streams in. Raises RuntimeError when the server
        reports a failure or the stream ends without the answer."""
        fn_index = self.fn_index if fn_index is None else fn_index
        if fn_index == self.fn_index:
            data = [*data, *[None] * (self.arity - len(data))]
        self.sent[fn_index] = self.sent.get(fn_index, 0) + 1
        joined = self.http.post(f"{self.url}gradio_api/queue/join", params=params,
                                json=self._body(fn_index, data, trigger))
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        with self.http.stream("GET", f"{self.url}gradio_api/queue/data",
                              params={"session_hash": self.session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and \
                        message.get("event_id") == event_id:
                    if not message.get("success"):
                        raise RuntimeError(f"the server failed: {message.get('output')}")
                    return message["output"]["data"]
        raise RuntimeError("the event stream closed without an answer")

    def _post(self, fn_index: int, data: list, trigger: int | None) -> list:
        """An unqueued event, posted as the page posts it (``/run/predict``); its data."""
        self.sent[fn_index] = self.sent.get(fn_index, 0) + 1
        answered = self.http.post(f"{self.url}gradio_api/run/predict",
                                  json=self._body(fn_index, data, trigger))
        answered.raise_for_status()
        return answered.json()["data"]

    def _dispatch(self, dependencies: list[dict], trigger: int, depth: int = 0) -> None:
        """``dependencies`` (one trigger's server events) run in order, as the page runs them;
        then the change events of each output they gave a new value."""
        for dependency in dependencies:
            data = [self.values.get(i) for i in dependency["inputs"]]
            try:
                if dependency.get("queue") is False:
                    out = self._post(dependency["id"], data, trigger)
                else:
                    out = self.call(data, dependency["id"], trigger=trigger)
            except (RuntimeError, httpx.HTTPStatusError):  # the page says nothing: counted
                self.failed[dependency["id"]] = self.failed.get(dependency["id"], 0) + 1
                continue
            changed = [target for target, value in zip(dependency["outputs"], out, strict=False)
                       if not _unchanged(value) and value != self.values.get(target)]
            for target, value in zip(dependency["outputs"], out, strict=False):
                if target in changed:
                    self.values[target] = value
            for target in changed if depth < FOLLOW_DEPTH else ():
                if target in self.changes:
                    self._dispatch(self.changes[target], target, depth + 1)

    def _fetch(self, values: list) -> None:
        for value in values:
            if isinstance(value, dict) and value.get("url"):
                self.http.get(value["url"]).raise_for_status()

    def send(self, key: str, png: str | None) -> str | None:
        """One pen-up (live: the pad's value ``key``, and every event it fires after the
        answer; api: the file ``png``). Returns None, or why the answer is not this drawing's;
        raises on a failed request."""
        if self.path == "live":
            self.values[self.trigger] = key
            main, *rest = self.changes[self.trigger]  # the answer first, as the page wires it
            assert main["id"] == self.fn_index, "the pad's first change event is not on_draw"
            data = [self.values.get(i) for i in main["inputs"]]
            headline, chart, *pictures, _pad_heat = self.call(data, trigger=self.trigger)
            self._fetch(pictures)
            self.answered_at = time.perf_counter()
            self._dispatch(rest, self.trigger)  # emptying the experiments, running one again
            got = None
            if "big-digit" in headline:
                got = [row[1] for row in sorted(chart["data"], key=lambda r: r[0])]
            return None if self.answers is None else check(got, self.answers[key])
        with open(png, "rb") as handle:
            uploaded = self.http.post(f"{self.url}gradio_api/upload",
                                      files=[("files", (Path(png).name, handle, "image/png"))])
        uploaded.raise_for_status()
        file = {"path": uploaded.json()[0], "orig_name": Path(png).name,
                "meta": {"_type": "gradio.FileData"}}
        record, overlay = self.call([file, *CONTROLS[:3], CONTROLS[4], CONTROLS[3]])
        self._fetch([overlay])
        self.answered_at = time.perf_counter()
        got = record["probabilities"] if record["digit"] is not None else None
        return None if self.answers is None else check(got, self.answers[png])


def events_sent(sessions: list[Session]) -> tuple[int, int]:
    """Server events ``sessions`` have sent so far (queued and unqueued), and how many of them
    the server failed."""
    return (sum(sum(session.sent.values()) for session in sessions),
            sum(sum(session.failed.values()) for session in sessions))
