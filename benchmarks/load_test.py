"""Classroom load test: ``python benchmarks/load_test.py [--students 30] [--drawings 20]``.

Starts the real app on a free loopback port, then N simulated students each send their
drawings concurrently through ``gradio_client``'s ``/explain`` endpoint (the burst). Checks
every answer is the digit the library gives for that same file and reports p50/p95 latency.
Memory: the server's RSS after one request, after the burst, and after ``--total`` more
requests from the same students. The growth over those last requests is the leak check (the
burst itself fills the allocator's working set for 16-image batches once; a leak keeps
growing after it). Bounded: loopback only, a fixed number of requests, a deadline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from serve import running_app  # noqa: E402

from cam_core.engine import load_explainer  # noqa: E402
from cam_core.strokes import random_scribble, render_strokes  # noqa: E402

DEADLINE_S = 900


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _drawings(count: int, folder: Path) -> list[Path]:
    """Distinct drawings: random 7s, 1s and 4s plus scribbles, saved as PNG."""
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        kind = index % 4
        jitter = rng.normal(0, 12, (4, 2))
        if kind == 0:
            strokes = [np.array([[110, 90], [290, 90], [170, 330]], float) + jitter[:3]]
        elif kind == 1:
            strokes = [np.array([[200, 60], [205, 340]], float) + jitter[:2]]
        elif kind == 2:
            strokes = [np.array([[230, 330], [230, 60], [100, 250], [300, 250]], float)
                       + jitter]
        else:
            ink = random_scribble(rng)
            strokes = None
        if strokes is not None:
            ink = render_strokes(strokes)
        path = folder / f"drawing_{index:04d}.png"
        Image.fromarray((255 - ink * 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--drawings", type=int, default=20, help="per student")
    parser.add_argument("--total", type=int, default=1000,
                        help="requests after the burst: the RSS leak check")
    args = parser.parse_args()
    from gradio_client import Client, handle_file

    started = time.time()
    with running_app() as (server, url):
        folder = Path(tempfile.mkdtemp(prefix="cam_load_"))
        paths = _drawings(args.students * args.drawings, folder)
        local = load_explainer()
        expected = {p: local.explain(p).digit for p in paths}
        Client(url, verbose=False).predict(handle_file(str(paths[0])), api_name="/explain")
        rss_start = _rss_mb(server.pid)
        latencies: list[float] = []
        errors: list[str] = []

        def student(index: int, count: int) -> None:
            client = Client(url, verbose=False)
            mine = paths[index * args.drawings:(index + 1) * args.drawings] or paths[:1]
            for call in range(count):
                if time.time() - started > DEADLINE_S:
                    errors.append("deadline reached")
                    return
                path = mine[call % len(mine)]
                begin = time.perf_counter()
                try:
                    result, _ = client.predict(handle_file(str(path)), api_name="/explain")
                except Exception as error:
                    errors.append(f"{path.name}: {error}")
                    continue
                latencies.append((time.perf_counter() - begin) * 1000)
                if result["digit"] != expected[path]:
                    errors.append(f"{path.name}: got {result['digit']}, "
                                  f"expected {expected[path]}")

        with ThreadPoolExecutor(args.students) as pool:
            list(pool.map(lambda i: student(i, args.drawings), range(args.students)))
        burst = list(latencies)
        rss_burst = _rss_mb(server.pid)
        with ThreadPoolExecutor(args.students) as pool:
            share = args.total // args.students
            list(pool.map(lambda i: student(i, share), range(args.students)))
        rss_end = _rss_mb(server.pid)
        figures = {
            "students": args.students, "drawings_each": args.drawings,
            "burst_requests": len(burst), "total_requests": len(latencies) + 1,
            "errors": len(errors), "error_examples": errors[:5],
            "burst_p50_ms": round(statistics.median(burst), 1) if burst else None,
            "burst_p95_ms": round(float(np.percentile(burst, 95)), 1) if burst else None,
            "server_rss_start_mb": round(rss_start, 1),
            "server_rss_after_burst_mb": round(rss_burst, 1),
            "server_rss_end_mb": round(rss_end, 1),
            "server_rss_growth_over_burst_mb": round(rss_burst - rss_start, 1),
            "requests_after_burst": len(latencies) - len(burst),
            "server_rss_growth_after_burst_mb": round(rss_end - rss_burst, 1),
            "wall_s": round(time.time() - started, 1),
        }
        print(json.dumps(figures, indent=2))
        if errors:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
