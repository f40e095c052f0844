"""What one pen-up costs the server: the answer and one unqueued call that empties the
experiments; the experiment a student opened runs again on each new drawing, and nothing runs
again for a student who opened none. The page is played in-process as Gradio's front end plays
it (each trigger's server events in order, then the change events of every output given a new
value), over the real handlers and the test model; the phone loop in a browser:
test_phone_loop.py."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from conftest import ROOT

from cam_core.serve.service import Service
from ui import layout
from ui.handlers import Handlers

VIEWS = ("ten_maps", "why_not", "hide", "trust", "scramble", "layers", "numbers")
SEVEN = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
ONE = json.dumps({"width": 400, "height": 400, "strokes": [
    {"tool": "pen", "size": 24, "points": [[200, 70], [200, 330]]}]})


def _same(old: Any, new: Any) -> bool:
    try:
        return bool(old == new)
    except (TypeError, ValueError):  # arrays, data frames
        return old is new


def _on(event: dict, target: int, kind: str) -> bool:
    """Whether ``event`` (of the page's config) is triggered by ``kind`` of ``target``."""
    return [target, kind] in [list(t) for t in event["targets"]]


class Page:
    """One student's page, in-process: each component's value, and the server events a
    trigger runs (``ran``: their handlers' names, in order; ``queued``: those that went
    through the queue)."""

    def __init__(self, demo) -> None:
        self.demo = demo
        self.values = {number: getattr(block, "value", None)
                       for number, block in demo.blocks.items()}
        self.number = {id(block): number for number, block in demo.blocks.items()}
        self.ran: list[str] = []
        self.queued: list[str] = []

    def find(self, elem_id: str) -> int:
        return next(n for n, b in self.demo.blocks.items()
                    if getattr(b, "elem_id", None) == elem_id)

    def fire(self, target: int, event: str, depth: int = 0) -> None:
        """``event`` of component ``target``, as the page dispatches it."""
        assert depth < 4, "change events that never settle"
        for function in self.demo.fns.values():
            if (target, event) not in function.targets or function.fn is None:
                continue
            self.ran.append(function.name)
            if function.queue is not False:
                self.queued.append(function.name)
            args = [self.values[self.number[id(c)]] for c in function.inputs]
            if function.inputs_as_dict:  # inputs given as a set: one dict by component
                args = [dict(zip(function.inputs, args, strict=True))]
            result = function.fn(*([a] for a in args)) if function.batch else function.fn(*args)
            outputs = [self.number[id(c)] for c in function.outputs]
            if isinstance(result, dict):
                given = {self.number[id(c)]: v for c, v in result.items()}
            else:
                if function.batch:
                    result = [column[0] for column in result]
                elif len(outputs) == 1:
                    result = [result]
                given = dict(zip(outputs, result, strict=True))
            changed = [n for n, v in given.items() if not _same(self.values[n], v)]
            self.values.update(given)
            for number in changed:
                self.fire(number, "change", depth + 1)

    def pen_up(self, drawing: str) -> None:
        pad = self.find("sketch")
        self.values[pad] = drawing
        self.fire(pad, "change")


@pytest.fixture
def page(explainer, monkeypatch) -> tuple[Page, dict[str, list[tuple]]]:
    """A fresh page over the real handlers, each experiment's calls recorded (its inputs)."""
    handlers = Handlers(Service(explainer))
    calls: dict[str, list[tuple]] = {name: [] for name in VIEWS}
    for name in VIEWS:
        real = getattr(handlers, name)

        @functools.wraps(real)
        def counted(*args: Any, _real=real, _name=name) -> Any:
            calls[_name].append(args)
            return _real(*args)

        monkeypatch.setattr(handlers, name, counted)
    return Page(layout.build(handlers)), calls


def test_a_pen_up_with_no_experiment_open_runs_none(page):
    shown, calls = page
    shown.pen_up(SEVEN)
    shown.pen_up(ONE)
    assert shown.queued == ["on_draw", "on_draw"]  # the answer, and nothing else queued
    assert shown.ran == ["on_draw", "clear_teaching"] * 2
    assert all(not made for made in calls.values()), calls


def test_the_open_experiment_runs_again_on_each_new_drawing_and_on_that_only(page):
    shown, calls = page
    shown.pen_up(SEVEN)
    button = next(number for number, block in shown.demo.blocks.items()
                  if any(f.name == "ten_maps" and (number, "click") in f.targets
                         for f in shown.demo.fns.values()))
    shown.fire(button, "click")  # "Show all ten maps"
    assert len(calls["ten_maps"]) == 1
    gallery = shown.find("ten-maps")
    first = shown.values[gallery]
    shown.pen_up(ONE)
    assert len(calls["ten_maps"]) == 2
    source, drawing, upload, *_ = calls["ten_maps"][1]
    assert (source, drawing, upload) == ("draw", ONE, None)  # the new drawing, no upload sent
    assert len(shown.values[gallery]) == 10 and not _same(first, shown.values[gallery])
    assert all(not calls[name] for name in VIEWS if name != "ten_maps")
    shown.fire(shown.find("sketch"), "change")  # the same drawing sent again: runs again
    assert len(calls["ten_maps"]) == 3
    upload = shown.find("upload")  # an upload: the experiment runs on it, not on the drawing
    shown.values[upload] = str(ROOT / "examples" / "pen_7.png")
    shown.fire(upload, "change")
    assert calls["ten_maps"][3][:3] == ("upload", None, shown.values[upload])


def test_a_pen_up_queues_the_answer_only_and_sends_no_upload(explainer):
    """Read from the page's wiring: of the pad's change events only the answer is queued, and
    no event a pen-up sets off takes the uploaded picture."""
    demo = layout.build(Handlers(Service(explainer)))
    config = demo.get_config_file()
    by_id = {c["id"]: c for c in config["components"]}
    pad = next(c["id"] for c in config["components"]
               if c.get("props", {}).get("elem_id") == "sketch")
    upload = next(c["id"] for c in config["components"]
                  if c.get("props", {}).get("elem_id") == "upload")
    on_pad = [d for d in config["dependencies"] if _on(d, pad, "change") and d["backend_fn"]]
    assert [d["api_name"] for d in on_pad if d["queue"] is not False] == ["on_draw"]
    # What those events set, followed: the signal's change, which runs the experiment again.
    followed, reached = list(on_pad), set()
    while followed:
        event = followed.pop()
        assert upload not in event["inputs"], event["api_name"]
        for output in event["outputs"]:
            if output not in reached and by_id[output]["type"] != "state":
                reached.add(output)
                followed += [d for d in config["dependencies"] if d["backend_fn"]
                             and _on(d, output, "change")]


def test_the_why_not_view_opened_by_its_tab_runs_again_on_a_new_drawing(page):
    shown, calls = page
    shown.pen_up(SEVEN)
    tab = next(number for number, block in shown.demo.blocks.items()
               if any(f.name == "why_open" and (number, "select") in f.targets
                      for f in shown.demo.fns.values()))
    shown.fire(tab, "select")  # the tab answers at once, without its button
    opened = len(calls["why_not"])
    shown.pen_up(ONE)
    assert len(calls["why_not"]) == opened + 1
    source, drawing, *_ = calls["why_not"][-1]
    assert (source, drawing) == ("draw", ONE)
