"""The sanity check for saliency maps over MNIST test digits:
``python benchmarks/sanity.py [--n 200] [--layer layer4]``.

Cascading model randomisation (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS
2018; :mod:`cam_core.explain.sanity`): for the first N MNIST test digits, each live method's
map from the trained network is compared with its map after re-initialising fc + layer4, then
layer3 too, … down to the stem (Spearman rank correlation over the 28×28 input; the target is
the trained network's prediction), and with an edge map of the digit that knows nothing.
Prints one row per method: the mean correlation after each step, and with the edge map. A map
that passes the check has a low correlation once the network is scrambled (below 0.5 here).
docs/measurements.md's table comes from this script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from cam_core.explain import sanity
from cam_core.explain.engine import load_explainer
from cam_core.explain.methods import METHODS
from cam_core.inputs.prepare import prepare
from training import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="MNIST test digits")
    parser.add_argument("--layer", default="layer4", help="layer2, layer3 or layer4")
    parser.add_argument("--weights", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    explainer = load_explainer(args.weights, "cpu")
    images, _ = datasets.load_mnist(datasets.SHARED_DATA / "mnist", train=False)
    prepared = [prepare(image) for image in images[: args.n]]
    results = explainer.explain_batch(prepared)
    names = [m.name for m in METHODS.values() if m.live and args.layer in m.layers]
    started = time.perf_counter()
    table = sanity.similarities(explainer.model, np.stack([p.model_input for p in prepared]),
                                np.stack([p.tensor for p in prepared]),
                                [r.digit for r in results], names, args.layer, args.seed)
    steps = [f"fc–{step[-1]}" if len(step) < len(sanity.BLOCKS) else "all"
             for step in sanity.STEPS]
    print(f"{args.n} MNIST test digits, {args.layer}, seed {args.seed}: mean Spearman rank "
          f"correlation with the trained network's map "
          f"({time.perf_counter() - started:.0f} s)\n")
    print("| map | " + " | ".join(f"scrambled {s}" for s in steps) + " | edge map | passes |")
    print("|---|" + "---:|" * (len(steps) + 2))
    for name in names:
        means = table[name].mean(axis=0)
        verdict = "yes" if means[len(steps) - 1] < sanity.PASSES else "**no**"
        print(f"| {METHODS[name].label} {args.layer} | "
              + " | ".join(f"{m:+.2f}" for m in means) + f" | {verdict} |")


if __name__ == "__main__":
    main()
