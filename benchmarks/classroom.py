"""A class at once: ``python benchmarks/classroom.py [--students 30] [--seconds 40] [--zerogpu]``.

Starts two servers on loopback in one run: the real app (``app.py``) and a trivial app, the
same page built by ``ui.layout`` with handlers that return fixed answers (the same
components, events, batching and queue, so Gradio does the same work and none of ours). Then,
for each app and each path:

- **live**: a pen-up as the browser sends it (:mod:`queue_session`): every server event of the
  pad's ``change`` in the page's order: the strokes as JSON to the queued ``on_draw`` event
  (its two result pictures fetched), then the others (the unqueued one that empties the
  teaching views, posted to ``/run/predict``; any queued one), and the ``change`` events of
  any component they set, as a student who opened no experiment sends them. Server CPU per
  request is per pen-up, all its events together;
- **api**: ``/explain`` with a PNG of the drawing, as ``gradio_client`` calls it (upload,
  queue, overlay fetched). Both speak Gradio's queue protocol (:class:`queue_session.Session`).

Each path runs twice: sequentially (one person: ``--sequential`` requests one after another)
and with ``--students`` simulated students for ``--seconds``: each draws pendigits writers'
digits (synthetic ones without ``../shared/data``) with 1–3 strokes, a pen-up every
0.4–1.2 s, a 3–8 s pause to look, then Clear (live only) and the next digit. As in the browser
(``trigger_mode="always_last"``), a student's next request waits for the previous answer, and
of several pen-ups made meanwhile only the last is sent; latency is pen-up → answer (images
fetched), counted from that pen-up (the pen-up's later events not included).

Printed for each: the server events a request sent (a pen-up's all together; those the server
failed, which the page does not show, in brackets), the server's CPU per request (its
``/proc/<pid>/stat``, so the load generator's own CPU does not count), the ratio to the trivial
app, the capacity this implies on ``--cores`` cores (cores / CPU per request), p50/p95 latency,
errors, and whether every answer was that student's own (probabilities equal, to 1e-4, to the
library's for the same drawing); also the generator's CPU and how busy the whole machine was
(``/proc/stat``), so a reader sees whether something starved the server. Ends with a Markdown
table and JSON. Bounded: loopback only, fixed durations.

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
import contextlib
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import wall_poll  # noqa: E402
from drawings import Digit, expected_answers, make_digits  # noqa: E402
from queue_session import Session, events_sent  # noqa: E402
from serve import running_app  # noqa: E402
from stand_ins import gpu_calls, serve_trivial, serve_zerogpu  # noqa: E402

WARM_UP = 3  # digits sent before measuring
PER_STUDENT = 6  # distinct digits a student draws (about 7 s each)
TICK = os.sysconf("SC_CLK_TCK")


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
        tally.add((max(caller.answered_at, due) - due) * 1000, problem, wrong)
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
            tally.add((max(warm.answered_at, begin) - begin) * 1000, problem, wrong)

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

    rows = []
    for phase, run, sessions in (("sequential", sequential, [warm]),
                                 (f"{args.students} students", classroom, callers)):
        (sent, failed), row = events_sent(sessions), measure(f"{label} {path} {phase}",
                                                             server.pid, run, args.cores)
        (sent_now, failed_now) = events_sent(sessions)
        row["server_events_per_request"] = round((sent_now - sent) / max(row["requests"], 1), 2)
        row["failed_events"] = failed_now - failed  # the page shows nothing of them
        rows.append(row)
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
             "p95 ms | requests | events/request (failed) | errors | wrong | GPU calls | "
             "generator cores | machine busy cores |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: | ---: | ---: |"]
    for r in rows:
        app, path, phase = r["phase"].split(" ", 2)
        base = trivial.get(f"{path} {phase}")
        ratio = (f"{r['server_cpu_ms_per_request'] / base['server_cpu_ms_per_request']:.2f}"
                 if base and app != "trivial" else "—")
        lines.append(f"| {app} | {path} | {phase} | {r['server_cpu_ms_per_request']} | {ratio} | "
                     f"{r['capacity_per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['requests']} | "
                     f"{r.get('server_events_per_request', '—')} ({r.get('failed_events', '—')}) | "
                     f"{r['errors']} | "
                     f"{r['wrong_answers'] if app != 'trivial' else '—'} | "
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
