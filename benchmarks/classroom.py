"""A class at once: ``python benchmarks/classroom.py [--students 30] [--seconds 40] [--zerogpu]``.

Starts two servers on loopback in one run: the real app (``app.py``) and a trivial app, the
same page built by ``ui.layout`` with handlers that return fixed answers (the same
components, events, batching and queue, so Gradio does the same work and none of ours). Then,
for each app and each path:

- **live**: the drawing pad's own event as the browser sends it on each pen-up: the strokes as
  JSON to the queued ``on_draw`` event, the unqueued event that empties the teaching views
  (``/run/predict``, as the browser posts it), and the two result pictures fetched;
- **api**: ``/explain`` with a PNG of the drawing, as ``gradio_client`` calls it (upload,
  queue, overlay fetched). Both speak Gradio's queue protocol (:class:`Session`).

Each path runs twice: sequentially (one person: ``--sequential`` requests one after another)
and with ``--students`` simulated students for ``--seconds``: each draws pendigits writers'
digits (synthetic ones without ``../shared/data``) with 1–3 strokes, a pen-up every
0.4–1.2 s, a 3–8 s pause to look, then Clear (live only) and the next digit. As in the browser
(``trigger_mode="always_last"``), a student's next request waits for the previous answer, and
of several pen-ups made meanwhile only the last is sent; latency is pen-up → answer (images
fetched), counted from that pen-up.

Printed for each: the server's CPU per request (its ``/proc/<pid>/stat``, so the load
generator's own CPU does not count), the ratio to the trivial app, the capacity this implies
on ``--cores`` cores (cores / CPU per request), p50/p95 latency, errors, and whether every
answer was that student's own (probabilities equal, to 1e-4, to the library's for the same
drawing); also the generator's CPU and how busy the whole machine was (``/proc/stat``), so a
reader sees whether something starved the server. Ends with a Markdown table and JSON.
Bounded: loopback only, fixed durations.

``--wall``: the app's live classroom phase once more with the students in a class (started and
joined as the page does, so each answer also becomes a tile) and the class wall polled once a
second as the teacher's page does (``wall_poll.py``); it prints the wall's polls too. The
students draw digits of their own in it (none answered from the first phase's cache).

``--zerogpu`` adds a third server: the real app as on a ZeroGPU Space (``SPACES_ZERO_GPU=true``)
with a stand-in ``spaces`` package whose ``GPU`` decorator leases nothing and counts the calls,
so its live capacity can be set beside the plain CPU figure and its GPU calls counted (live
work should make none: each call costs the visitors' quota on a real Space).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import functools
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import wall_poll  # noqa: E402
from serve import running_app  # noqa: E402

WARM_UP = 3  # digits sent before measuring
PER_STUDENT = 6  # distinct digits a student draws (about 7 s each)
CONTROLS = ("prediction", "cam", "layer4", 0.5, "viridis", False)  # the page's defaults
TICK = os.sysconf("SC_CLK_TCK")
TOLERANCE = 1e-4


# ------------------------------------------------------------------------------ trivial app


def serve_zerogpu(port: int, count_file: Path) -> None:
    """The app as on a ZeroGPU Space, with a stand-in ``spaces``: ``GPU(duration=...)`` runs
    the function as it is and writes the number of calls so far to ``count_file``."""
    import types

    os.environ["SPACES_ZERO_GPU"] = "true"
    calls, lock = [0], threading.Lock()
    count_file.write_text("0")

    def gpu(task=None, *, duration=None, size=None):
        def wrap(function):
            def leased(*args, **kwargs):
                with lock:
                    calls[0] += 1
                    count_file.write_text(str(calls[0]))
                return function(*args, **kwargs)
            return leased
        return wrap if task is None else wrap(task)

    fake = types.ModuleType("spaces")
    fake.GPU = gpu  # type: ignore[attr-defined]
    sys.modules["spaces"] = fake
    import app

    app.main(["--port", str(port)])


def gpu_calls(count_file: Path) -> int:
    """GPU leases the ``--zerogpu`` server has asked for so far."""
    try:
        return int(count_file.read_text() or 0)
    except (OSError, ValueError):
        return 0


def serve_trivial(port: int) -> None:
    """The trivial app: ``ui.layout``'s page over handlers that do no work (fixed answers of
    the real shapes: a 400×400 overlay, a 168×168 model view, a chart, a JSON record)."""
    import cv2
    import gradio as gr

    from cam_core.explain import render
    from cam_core.serve import views
    from ui import layout
    from ui.handlers import Handlers

    side = np.linspace(0, 1, 400, dtype=np.float32)
    paper = np.full((400, 400, 3), 255, np.uint8)
    overlay = render.overlay(paper, np.outer(side, side[::-1]), 0.5, "viridis")
    model_view = render.enlarge(overlay[::14, ::14][:28, :28], views.MODEL_VIEW_SIDE)
    probabilities = np.full(10, 0.01, np.float32)
    probabilities[7] = 0.91
    answer = views.Panels(headline="<div class='digit-card'><span class='big-digit'>7</span>"
                                   "<span class='prob'>91.0% sure</span></div>",
                          chart=views.probability_frame(probabilities, 7), overlay=overlay,
                          model_view=model_view)
    record = {"digit": 7, "probabilities": [float(p) for p in probabilities], "target": 7,
              "message": "", "ood_score": -5.0, "not_a_digit": False}

    served = itertools.count()

    def stamped(image: np.ndarray) -> np.ndarray:
        """``image`` with a serial number in its first pixels: every answer its own file, as
        in the real app (Gradio rewrites a file of equal bytes in place while another client
        may be reading it: equal answers failed downloads)."""
        image, number = image.copy(), next(served)
        image[:2, :48] = np.repeat([(number >> bit) & 1 for bit in range(24)], 2)[:, None] * 255
        return image

    # The pad's heatmap as the real app sends it: a 128×128 JPEG data URL (~2 KB).
    heat_rgb = render.on_white(np.outer(side, side[::-1]), views.PAD_HEAT_SIDE, 0.5, "viridis")
    heat = "data:image/jpeg;base64," + base64.b64encode(
        cv2.imencode(".jpg", heat_rgb[..., ::-1])[1].tobytes()).decode()

    class TrivialService:
        """The service's public face (what ui.handlers calls), answering without any work."""

        def blank(self) -> views.Panels:
            return answer

        def explain_many(self, requests: list) -> list[views.Panels]:
            return [dataclasses.replace(answer, overlay=stamped(overlay),
                                        model_view=stamped(model_view), heat=heat)
                    for _ in requests]

        def api_many(self, uploads: list, settings: list) -> list[tuple[dict, object]]:
            return [(record, types.SimpleNamespace(overlay=stamped(overlay)))
                    for _ in uploads]

    demo = layout.build(Handlers(TrivialService()))
    assert isinstance(demo, gr.Blocks)
    demo.launch(server_name="127.0.0.1", server_port=port, css=layout.page_css())


# ------------------------------------------------------------------------------ drawings


@dataclass(frozen=True)
class Digit:
    """One digit as a student draws it: the pad's value after each pen-up (JSON text) and a
    PNG of each of those states (for the API path)."""

    states: tuple[str, ...]
    files: tuple[str, ...]


def _pad_value(strokes: list[np.ndarray]) -> str:
    """The pad's value (ui/pad.js): strokes in canvas pixels, points to 0.01 px."""
    from cam_core.inputs.strokes import BRUSH_WIDTH, CANVAS_SIZE

    return json.dumps({"width": CANVAS_SIZE, "height": CANVAS_SIZE, "strokes": [
        {"tool": "pen", "size": BRUSH_WIDTH, "points": np.round(s, 2).tolist()}
        for s in strokes]})


def _stroke_sets(count: int, rng: np.random.Generator) -> list[list[np.ndarray]]:
    """``count`` digits with 1–3 strokes in canvas pixels: pendigits writers' digits when
    ``../shared/data`` has them, else jittered synthetic 1s, 4s and 7s."""
    from training import datasets
    from training.scribbles import place_pen_strokes

    try:
        pool = [d for d in datasets.load_pendigits() if 1 <= len(d.strokes) <= 3]
    except (FileNotFoundError, OSError, SystemExit):
        pool = []
    sets = []
    for index in range(count):
        if pool:
            digit = pool[int(rng.integers(len(pool)))]
            sets.append(place_pen_strokes(digit.strokes, rng.uniform(0.55, 0.8),
                                          tuple(rng.uniform(0.4, 0.6, 2))))
            continue
        jitter = rng.normal(0, 12, (4, 2))
        kind = index % 3
        if kind == 0:
            sets.append([np.array([[200, 60], [205, 340]], float) + jitter[:2]])
        elif kind == 1:
            sets.append([np.array([[230, 330], [230, 60]], float) + jitter[:2],
                         np.array([[230, 60], [100, 250], [300, 250]], float) + jitter[1:]])
        else:
            sets.append([np.array([[110, 90], [290, 90]], float) + jitter[:2],
                         np.array([[290, 90], [170, 330]], float) + jitter[2:]])
    return sets


def make_digits(count: int, folder: Path, seed: int = 0) -> list[Digit]:
    from PIL import Image

    from cam_core.inputs.strokes import parse_drawing, render_drawing

    rng = np.random.default_rng(seed)
    digits = []
    for index, strokes in enumerate(_stroke_sets(count, rng)):
        states, files = [], []
        for k in range(1, len(strokes) + 1):
            text = _pad_value(strokes[:k])
            ink = render_drawing(parse_drawing(text))
            path = folder / f"digit_{index:04d}_{k}.png"
            Image.fromarray((255 - ink * 255).round().astype(np.uint8)).save(path)
            states.append(text)
            files.append(str(path))
        digits.append(Digit(tuple(states), tuple(files)))
    return digits


def expected_answers(digits: list[Digit]) -> dict[str, np.ndarray | None]:
    """The library's probabilities for every drawing state and file (None: a blank page)."""
    from cam_core.explain.engine import load_explainer
    from cam_core.serve.service import Pad, Request, Service, Upload

    service = Service(load_explainer())
    keys = [s for d in digits for s in d.states] + [f for d in digits for f in d.files]
    answers: dict[str, np.ndarray | None] = {"": None}
    for start in range(0, len(keys), 16):
        chunk = keys[start:start + 16]
        requests = [Request(Upload(k) if k.endswith(".png") else Pad(k), live=True)
                    for k in chunk]
        for key, panels in zip(chunk, service.explain_many(requests), strict=True):
            blank = "big-digit" not in panels.headline
            answers[key] = None if blank else panels.chart["probability"].to_numpy(np.float64)
    return answers


# ------------------------------------------------------------------------------ measuring


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid``, all its threads (``/proc/pid/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])
    return total - idle, total


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Tally:
    """What one phase saw."""

    latencies: list[float] = field(default_factory=list)  # ms
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    answered: int = 0  # requests sent and answered (live: pen-ups, Clear included)
    skipped: int = 0  # pen-ups superseded by a later one before they could be sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency_ms: float, problem: str | None, wrong: str | None) -> None:
        with self.lock:
            self.answered += 1
            if problem:
                self.errors.append(problem)
            else:
                self.latencies.append(latency_ms)
            if wrong:
                self.wrong.append(wrong)


def _check(probabilities: list[float] | None, expected: np.ndarray | None) -> str | None:
    """None when an answer's probabilities are the expected ones, else what differs."""
    if expected is None:
        return None if probabilities is None else "an answer for a blank page"
    if probabilities is None or np.abs(np.asarray(probabilities) - expected).max() > TOLERANCE:
        return f"expected {np.round(expected, 3).tolist()}, got {probabilities}"
    return None


class Session:
    """One browser tab (or API client) on one app, speaking Gradio's queue protocol
    ("sse_v3", what the page and ``gradio_client`` both use): join the queue, read the
    session's event stream until the answer, fetch the answer's files. Written out here
    rather than through ``gradio_client``, whose polling threads (a 50 ms sleep loop per call)
    took more of the two cores than the server did (0.5–0.8 cores for 30 students).

    ``path`` "live": a pen-up on the pad, as the browser sends it: the strokes to the pad's
    queued ``on_draw`` event and, at once, the pad's unqueued change events (``/run/predict``,
    emptying the teaching views); both result pictures fetched as the page loads them.
    ``path`` "api": ``/explain`` as ``gradio_client`` calls it: the PNG uploaded
    (``/gradio_api/upload``), the call queued, the overlay fetched.
    """

    def __init__(self, url: str, path: str, answers: dict | None) -> None:
        import httpx

        self.url, self.path, self.answers = url, path, answers
        self.http = httpx.Client(timeout=300)
        self.session = os.urandom(8).hex()
        config = self.http.get(f"{url}config").json()
        name = "on_draw" if path == "live" else "explain"
        event = next(d for d in config["dependencies"] if d.get("api_name") == name)
        self.fn_index = event["id"]
        self.arity = len(event["inputs"])  # a session State (class membership) is sent as None
        self.config = config
        self.trigger = event["targets"][0][0] if path == "live" else None
        # The pad's other change events that have a server function, posted directly.
        # (id, number of inputs): each is sent None for every input, as a page that has not
        # opened an experiment sends.
        self.unqueued = [(d["id"], len(d["inputs"])) for d in config["dependencies"]
                         if path == "live" and [self.trigger, "change"] in d["targets"]
                         and d.get("queue") is False and d.get("backend_fn")]

    def _body(self, fn_index: int, data: list) -> dict:
        return {"data": data, "event_data": None, "fn_index": fn_index,
                "trigger_id": self.trigger, "session_hash": self.session}

    def call(self, data: list, fn_index: int | None = None, params: dict | None = None,
              ) -> list:
        """Queue one call (the pad's event, or ``fn_index`` with the page's query ``params``);
        post the unqueued events; the answer's data once it streams in."""
        fn_index = self.fn_index if fn_index is None else fn_index
        if fn_index == self.fn_index:
            data = [*data, *[None] * (self.arity - len(data))]
        joined = self.http.post(f"{self.url}gradio_api/queue/join", params=params,
                                json=self._body(fn_index, data))
        joined.raise_for_status()
        event_id = joined.json()["event_id"]
        for other, inputs in self.unqueued if fn_index == self.fn_index else ():
            self.http.post(f"{self.url}gradio_api/run/predict",
                           json=self._body(other, [None] * inputs)).raise_for_status()
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

    def _fetch(self, values: list) -> None:
        for value in values:
            if isinstance(value, dict) and value.get("url"):
                self.http.get(value["url"]).raise_for_status()

    def send(self, key: str, png: str | None) -> str | None:
        """One pen-up (live: the pad's value ``key``; api: the file ``png``). Returns None, or
        why the answer is not this drawing's; raises on a failed request."""
        if self.path == "live":
            headline, chart, *pictures, _pad_heat = self.call([key, *CONTROLS])
            self._fetch(pictures)
            got = None
            if "big-digit" in headline:
                got = [row[1] for row in sorted(chart["data"], key=lambda r: r[0])]
            return None if self.answers is None else _check(got, self.answers[key])
        with open(png, "rb") as handle:
            uploaded = self.http.post(f"{self.url}gradio_api/upload",
                                      files=[("files", (Path(png).name, handle, "image/png"))])
        uploaded.raise_for_status()
        file = {"path": uploaded.json()[0], "orig_name": Path(png).name,
                "meta": {"_type": "gradio.FileData"}}
        record, overlay = self.call([file, *CONTROLS[:3], CONTROLS[4], CONTROLS[3]])
        self._fetch([overlay])
        got = record["probabilities"] if record["digit"] is not None else None
        return None if self.answers is None else _check(got, self.answers[png])


def _events(digits: list[Digit], rng: np.random.Generator, path: str, start: float):
    """A student's pen-ups: (time, pad value, PNG of it); Clear is ("", None) on live."""
    t = start + rng.uniform(0, 3)  # students do not start in step
    for number in itertools.count():
        digit = digits[number % len(digits)]
        for k, (state, png) in enumerate(zip(digit.states, digit.files, strict=True)):
            if k:
                t += rng.uniform(0.4, 1.2)
            yield t, state, png
        t += rng.uniform(3.0, 8.0)  # looking at the heatmap
        if path == "live":
            yield t, "", None  # Clear
        t += rng.uniform(0.4, 1.2)


def student(caller: Session, path: str, digits: list[Digit], seed: int, until: float,
            tally: Tally) -> None:
    """Pen-ups on schedule; one request at a time, of the pen-ups made while waiting for an
    answer only the last is sent (the page's ``trigger_mode="always_last"``)."""
    rng = np.random.default_rng(seed)
    schedule = list(itertools.takewhile(
        lambda event: event[0] < until, _events(digits, rng, path, time.perf_counter())))
    i = 0
    while i < len(schedule):
        due, key, png = schedule[i]
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        try:
            wrong, problem = caller.send(key, png), None
        except Exception as error:  # a failed request is counted, not fatal
            wrong, problem = None, f"{type(error).__name__}: {error}"[:200]
        now = time.perf_counter()
        tally.add((now - due) * 1000, problem, wrong)
        i += 1
        while i + 1 < len(schedule) and schedule[i + 1][0] <= now:
            i += 1
            with tally.lock:
                tally.skipped += 1


def measure(name: str, server_pid: int, run: Callable[[Tally], None], cores: int) -> dict:
    tally = Tally()
    cpu0, own0, (busy0, total0) = process_cpu_s(server_pid), own_cpu_s(), machine_jiffies()
    wall0 = time.perf_counter()
    run(tally)
    wall = time.perf_counter() - wall0
    cpu, own = process_cpu_s(server_pid) - cpu0, own_cpu_s() - own0
    busy1, total1 = machine_jiffies()
    machine_cores = (busy1 - busy0) / max(total1 - total0, 1) * os.cpu_count()
    per_request = 1000 * cpu / max(tally.answered, 1)
    lat = tally.latencies
    figures = {
        "phase": name, "requests": tally.answered, "skipped_pen_ups": tally.skipped,
        "errors": len(tally.errors), "error_examples": tally.errors[:3],
        "wrong_answers": len(tally.wrong), "wrong_examples": tally.wrong[:3],
        "wall_s": round(wall, 1), "requests_per_s": round(tally.answered / wall, 2),
        "server_cpu_ms_per_request": round(per_request, 1),
        "capacity_per_s": round(cores * 1000 / per_request, 1) if per_request else None,
        "p50_ms": round(statistics.median(lat), 1) if lat else None,
        "p95_ms": round(float(np.percentile(lat, 95)), 1) if lat else None,
        "server_cores_used": round(cpu / wall, 2), "generator_cores_used": round(own / wall, 2),
        "machine_cores_busy": round(machine_cores, 2),
        "others_cores_used": round(machine_cores - cpu / wall - own / wall, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures), flush=True)
    return figures


def run_app(label: str, server, url: str, path: str, digits: list[Digit], answers: dict | None,
            args) -> list[dict]:
    """The sequential phase, then the classroom phase, of one path on one app."""
    # Separate digits for the warm-up, the one-person phase and each student, so that no
    # answer comes from a cache filled by another phase.
    warm = Session(url, path, answers)
    for digit in digits[:WARM_UP]:  # first calls allocate and pick kernels
        warm.send(digit.states[-1], digit.files[-1])
    alone = digits[WARM_UP:WARM_UP + args.sequential]
    states = [(s, f) for d in alone for s, f in zip(d.states, d.files, strict=True)]
    digits = digits[WARM_UP + args.sequential:]

    def sequential(tally: Tally) -> None:
        for key, png in states[:args.sequential]:
            begin = time.perf_counter()
            try:
                wrong, problem = warm.send(key, png), None
            except Exception as error:
                wrong, problem = None, f"{type(error).__name__}: {error}"[:200]
            tally.add((time.perf_counter() - begin) * 1000, problem, wrong)

    callers = [Session(url, path, answers) for _ in range(args.students)]
    # With --wall, the wall's phase gets digits of its own (half of them): drawings the first
    # phase already sent would come from the engine's cache and make the wall look cheaper.
    phases = [digits[:len(digits) // 2], digits[len(digits) // 2:]] if args.wall else [digits]

    def classroom(tally: Tally, phase: int = 0) -> None:
        until = time.perf_counter() + args.seconds
        mine = phases[phase]
        share = max(1, len(mine) // args.students)
        threads = [threading.Thread(target=student, args=(
            one, path, mine[i * share:(i + 1) * share] or mine[:1], 1000 + i, until, tally))
            for i, one in enumerate(callers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    rows = [measure(f"{label} {path} sequential", server.pid, sequential, args.cores),
            measure(f"{label} {path} {args.students} students", server.pid, classroom,
                    args.cores)]
    if args.wall and label == "app" and path == "live":  # again, the class on a wall
        callers[:] = [Session(url, path, answers) for _ in range(args.students)]
        walled, stats = wall_poll.with_wall(functools.partial(classroom, phase=1), callers,
                                            Session(url, path, answers), args.seconds)
        rows.append(measure(f"{label} {path} {args.students} students+wall", server.pid,
                            walled, args.cores))
        print(json.dumps(stats.summary()), flush=True)
    return rows


def table(rows: list[dict], students: int) -> str:
    trivial = {r["phase"].split(" ", 1)[1]: r for r in rows if r["phase"].startswith("trivial")}
    lines = ["| app | path | phase | server CPU ms/request | × trivial | capacity/s | p50 ms | "
             "p95 ms | requests | errors | wrong | GPU calls | generator cores | "
             "machine busy cores |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: | ---: |"]
    for r in rows:
        app, path, phase = r["phase"].split(" ", 2)
        base = trivial.get(f"{path} {phase}")
        ratio = (f"{r['server_cpu_ms_per_request'] / base['server_cpu_ms_per_request']:.2f}"
                 if base and app != "trivial" else "—")
        lines.append(f"| {app} | {path} | {phase} | {r['server_cpu_ms_per_request']} | {ratio} | "
                     f"{r['capacity_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['requests']} | "
                     f"{r['errors']} | {r['wrong_answers'] if app != 'trivial' else '—'} | "
                     f"{r.get('gpu_calls', '—')} | {r['generator_cores_used']} | "
                     f"{r['machine_cores_busy']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=40, help="classroom phase, each")
    parser.add_argument("--sequential", type=int, default=30, help="one-person requests, each")
    parser.add_argument("--cores", type=int, default=2, help="cores the capacity is for")
    parser.add_argument("--paths", default="live,api")
    parser.add_argument("--apps", default=None,
                        help="trivial,app (default), and zerogpu with --zerogpu")
    parser.add_argument("--zerogpu", action="store_true",
                        help="also the app as on a ZeroGPU Space (a stand-in spaces package "
                             "that counts GPU calls)")
    parser.add_argument("--wall", action="store_true",
                        help="then the live classroom phase again, the students in a class "
                             "and its wall polled once a second as a teacher's page does")
    parser.add_argument("--serve-trivial", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-zerogpu", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_trivial:
        serve_trivial(args.port)
        return
    if args.serve_zerogpu:
        serve_zerogpu(args.port, args.serve_zerogpu)
        return
    apps = (args.apps or ("trivial,app,zerogpu" if args.zerogpu else "trivial,app")).split(",")
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="cam_classroom_"))
    phases = 2 if args.wall else 1  # the wall's phase draws digits of its own
    digits = make_digits(WARM_UP + args.sequential + phases * PER_STUDENT * args.students,
                         folder)
    answers = expected_answers(digits)
    rows: list[dict] = []
    started = time.time()
    count_file = folder / "gpu_calls.txt"
    with contextlib.ExitStack() as stack:
        app, app_url = stack.enter_context(running_app())
        servers = {"app": (app, app_url), "trivial": stack.enter_context(running_app(
            script=Path(__file__), args=["--serve-trivial"]))}
        if "zerogpu" in apps:
            servers["zerogpu"] = stack.enter_context(running_app(
                script=Path(__file__), args=["--serve-zerogpu", str(count_file)]))
        rss = {"start": round(rss_mb(app.pid), 1)}
        for path in args.paths.split(","):
            for label in apps:
                server, url = servers[label]
                before = gpu_calls(count_file)
                measured = run_app(label, server, url, path, digits,
                                   None if label == "trivial" else answers, args)
                if label == "zerogpu":  # both phases together (warm-up included)
                    measured[-1]["gpu_calls"] = gpu_calls(count_file) - before
                rows += measured
        rss["end"] = round(rss_mb(app.pid), 1)
    print()
    print(table(rows, args.students))
    print(f"\nmachine: {os.cpu_count()} cores; capacity = {args.cores} cores / server CPU per "
          f"request; app server RSS {rss['start']} → {rss['end']} MB; "
          f"{time.time() - started:.0f} s in all")
    print(json.dumps({"rows": rows, "rss_mb": rss}, indent=1))
    if any(r["errors"] or r["wrong_answers"] for r in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
