"""The servers ``benchmarks/classroom.py`` sets beside the app: the trivial app (the same page
over handlers that return fixed answers) and the app as on a ZeroGPU Space (a stand-in
``spaces`` package that counts GPU calls). Each runs in its own process
(``classroom.py --serve-trivial`` / ``--serve-zerogpu``)."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import os
import sys
import threading
import types
from pathlib import Path

import numpy as np


def serve_zerogpu(port: int, count_file: Path) -> None:
    """The app as on a ZeroGPU Space, with a stand-in ``spaces``: ``GPU(duration=...)`` runs
    the function as it is and writes the number of calls so far to ``count_file``."""
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
