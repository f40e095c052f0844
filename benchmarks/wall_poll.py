"""The class wall under a class, for ``benchmarks/classroom.py --wall``: a class started as the
"Start a class" button does, each simulated student joined as the class link's page load does
(so their answers feed the wall), and a teacher's wall page polled once a second as its
``gr.Timer`` does. Speaks Gradio's queue protocol through :class:`classroom.Session`.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from dataclasses import dataclass, field

POLL_S = 1.0  # the wall page's timer
LINK = re.compile(r"wall\?class=([A-Z]{4})&(?:amp;)?key=([A-Za-z0-9_\-]+)")


def _event(session, name: str) -> int:
    """The id of the page event named ``name`` (an ``api_name``)."""
    return next(d["id"] for d in session.config["dependencies"] if d.get("api_name") == name)


def start_class(session) -> tuple[str, str]:
    """A new class through the page's "Start a class" button: its code and teacher key."""
    # Its one input is the page's language, a State the server keeps (None: English).
    shown = session.call([None], _event(session, "class_start"))[0]
    found = LINK.search(shown or "")
    if not found:
        raise RuntimeError(f"no class was started: {str(shown)[:200]}")
    return found.group(1), found.group(2)


def join(session, code: str) -> str:
    """Put ``session`` in class ``code`` as the class link's page load does (its browser
    storage empty); returns the nickname given."""
    out = session.call([None], _event(session, "class_join"), params={"class": code})
    line = out[3] if isinstance(out[3], str) else ""  # (the membership stays on the server)
    said = re.search(r"\*\*" + code + r"\*\* as \*\*(.+?)\*\*", line)
    if not said:
        raise RuntimeError(f"could not join class {code}: {out[6]}")
    return said.group(1)


@dataclass
class WallStats:
    """What the teacher's wall saw: polls, those that brought a new wall, their sizes and
    durations (ms), and how many tiles the last wall showed."""

    polls: int = 0
    refreshed: int = 0
    bytes_in: list[int] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    tiles: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"wall_polls": self.polls, "wall_refreshed": self.refreshed,
                "wall_poll_p50_ms": round(statistics.median(self.poll_ms), 1)
                if self.poll_ms else None,
                "wall_kb_per_refresh": round(statistics.mean(self.bytes_in) / 1024, 1)
                if self.bytes_in else None,
                "wall_tiles_at_end": self.tiles, "wall_errors": self.errors[:3]}


def teacher(session, code: str, key: str, until: float, stats: WallStats) -> None:
    """Open the wall with the teacher's link, then poll it every ``POLL_S`` until ``until``."""
    session.call(["answer"], _event(session, "wall_open"), params={"class": code, "key": key})
    tick = _event(session, "wall_tick")
    while time.perf_counter() < until:
        begin = time.perf_counter()
        try:
            shown = session.call([None, None, "answer"], tick)
            stats.polls += 1
            grid = shown[2]
            if isinstance(grid, str):
                stats.refreshed += 1
                stats.bytes_in.append(sum(len(v) for v in shown if isinstance(v, str)))
                stats.tiles = grid.count("data-action='open'")
        except Exception as error:  # counted, not fatal
            stats.errors.append(f"{type(error).__name__}: {error}"[:200])
        took = time.perf_counter() - begin
        stats.poll_ms.append(took * 1000)
        time.sleep(max(0.0, POLL_S - took))


def with_wall(classroom, callers: list, url_session, until_s: float):
    """Wrap the classroom phase ``classroom(tally)``: a class started, every caller joined,
    the wall polled by a teacher thread while the students draw. Returns (the wrapped
    phase, its :class:`WallStats`)."""
    code, key = start_class(url_session)
    for caller in callers:
        join(caller, code)
    stats = WallStats()

    def run(tally) -> None:
        poller = threading.Thread(target=teacher, args=(
            url_session, code, key, time.perf_counter() + until_s, stats))
        poller.start()
        classroom(tally)
        poller.join()

    return run, stats
