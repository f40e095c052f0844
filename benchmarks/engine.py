"""Benchmark: ``python benchmarks/engine.py [--server URL] [--repeats N] [--json-out FILE]``.

Everything is measured in one run on the same model and the same 280×280 drawing:
plain forward vs :meth:`Explainer.explain` with CAM (cache off, so every call runs the model),
p50/p95 at batch 1 and per image at batch 16; our Grad-CAM; pytorch-grad-cam's GradCAM and
torchcam's CAM on the same model (if installed); end-to-end through ``gradio_client`` against
a running server (``--server``); peak RSS. Prints JSON, then a markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cam_core.explain.engine import Explainer, load_explainer
from cam_core.inputs.prepare import prepare
from cam_core.inputs.strokes import render_strokes
from cam_core.model.logits import LogitsOnly


def _drawing() -> np.ndarray:
    ink = render_strokes([np.array([[80, 60], [200, 60], [120, 230]], float)], (280, 280), 18)
    return (255 - ink * 255).astype(np.uint8)


def times(run: Callable[[], object], repeats: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        run()
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _summary(samples: list[float], per: int = 1) -> dict:
    return {"p50_ms": round(statistics.median(samples) / per, 2),
            "p95_ms": round(float(np.percentile(samples, 95)) / per, 2), "n": len(samples)}


def run(repeats: int = 50, server: str | None = None) -> dict:
    """Measure and return the figures (milliseconds unless named otherwise)."""
    cached = load_explainer()
    explainer = Explainer(cached.model, cached.device, cache_size=0)
    model, device = explainer.model, explainer.device
    drawing = _drawing()
    prepared = prepare(drawing)
    one = torch.from_numpy(prepared.tensor[None]).to(device)
    sixteen = one.repeat(16, 1, 1, 1)
    figures: dict = {"device": str(device), "torch_threads": torch.get_num_threads()}

    def forward(batch: torch.Tensor) -> Callable[[], object]:
        def call() -> object:
            with torch.inference_mode():
                return model(batch)
        return call

    figures["forward_b1"] = _summary(times(forward(one), repeats))
    figures["engine_cam_b1"] = _summary(times(
        lambda: explainer.runner.run(prepared.tensor[None], "cam", "layer4", [None]), repeats))
    figures["explain_cam_b1"] = _summary(times(lambda: explainer.explain(drawing), repeats))
    figures["explain_gradcam_b1"] = _summary(times(
        lambda: explainer.explain(drawing, method="gradcam"), repeats))
    figures["forward_b16_per_image"] = _summary(times(forward(sixteen), max(5, repeats // 5)),
                                                per=16)
    drawings = [drawing] * 16
    figures["explain_cam_b16_per_image"] = _summary(times(
        lambda: explainer.explain_batch(drawings), max(5, repeats // 5)), per=16)
    figures["cam_overhead_pct"] = round(
        100 * (figures["engine_cam_b1"]["p50_ms"] / figures["forward_b1"]["p50_ms"] - 1), 1)

    wrapped = LogitsOnly(model).eval()
    try:
        from pytorch_grad_cam import GradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

        model.requires_grad_(True)
        with GradCAM(model=wrapped, target_layers=[model.layer4]) as oracle:
            def gradcam_call() -> object:
                return oracle(one, [ClassifierOutputTarget(7)])
            figures["pytorch_grad_cam_gradcam_b1"] = _summary(times(gradcam_call, repeats))
    except ImportError:
        figures["pytorch_grad_cam_gradcam_b1"] = None
    finally:
        model.requires_grad_(False)
        model.zero_grad(set_to_none=True)
    try:
        from torchcam.methods import CAM as TorchCAM

        with TorchCAM(wrapped, target_layer="net.layer4", fc_layer="net.fc") as extractor:
            def torchcam_call() -> object:
                with torch.inference_mode():
                    scores = wrapped(one)
                return extractor(7, scores)
            figures["torchcam_cam_b1"] = _summary(times(torchcam_call, repeats))
    except ImportError:
        figures["torchcam_cam_b1"] = None
    ours = figures["explain_cam_b1"]["p50_ms"]
    for key in ("pytorch_grad_cam_gradcam_b1", "torchcam_cam_b1"):
        if figures[key]:
            figures[f"speedup_vs_{key}"] = round(figures[key]["p50_ms"] / ours, 2)

    if server:
        from gradio_client import Client, handle_file
        from PIL import Image

        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "drawing.png")
            Image.fromarray(drawing).save(path)
            client = Client(server, verbose=False)
            figures["end_to_end_gradio_client"] = _summary(times(
                lambda: client.predict(handle_file(path), api_name="/explain"),
                max(10, repeats // 2)))
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return figures


def markdown(figures: dict) -> str:
    """The figures as a markdown table."""
    rows = ["| measurement | p50 ms | p95 ms |", "| --- | ---: | ---: |"]
    for key, value in figures.items():
        if isinstance(value, dict):
            rows.append(f"| {key} | {value['p50_ms']} | {value['p95_ms']} |")
    rows.append("")
    rows += [f"- {key}: {value}" for key, value in figures.items()
             if not isinstance(value, dict)]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python benchmarks/engine.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--server", help="URL of a running app for the end-to-end figure")
    parser.add_argument("--json-out", help="also write the JSON here")
    args = parser.parse_args(argv)
    figures = run(args.repeats, args.server)
    text = json.dumps(figures, indent=2)
    print(text)
    print(markdown(figures))
    if args.json_out:
        with open(args.json_out, "w") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
