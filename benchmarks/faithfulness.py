"""ROAD faithfulness of every map: ``python benchmarks/faithfulness.py [--n 200]``.

For the first N MNIST test digits, each live method on each of its layers is scored with ROAD
(Rong et al., ICML 2022; :mod:`cam_core.explain.road`: most relevant first against least relevant
first,
noisy linear imputation, 10%–90% hidden), next to a random smooth 7×7 map. Prints MoRF and LeRF
(mean probability of the explained class after hiding) and the combined score (higher = more
faithful, ≈ 0 for a random map). README's faithfulness table comes from this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from cam_core.explain import road
from cam_core.explain.engine import load_explainer
from cam_core.explain.methods import METHODS
from cam_core.inputs.prepare import prepare
from cam_core.serve import trust
from training import datasets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="MNIST test digits")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    explainer = load_explainer(args.weights, "cpu")
    images, _ = datasets.load_mnist(datasets.SHARED_DATA / "mnist", train=False)
    prepared = [prepare(image) for image in images[: args.n]]
    inputs = np.stack([p.tensor for p in prepared])
    probabilities = trust.probabilities_of(explainer)
    rows = []
    for method in METHODS.values():
        if not method.live:
            continue
        for layer in method.layers:
            results = explainer.explain_batch(prepared, method=method.name, layer=layer)
            maps = np.stack([trust.map_over_input(r) for r in results])
            targets = [r.target for r in results]
            rows.append((f"{method.label} {layer}",
                         road.road(probabilities, inputs, maps, targets)))
    targets = [r.digit for r in explainer.explain_batch(prepared)]
    rows.append(("random smooth 7×7 map", road.road(
        probabilities, inputs, road.random_smooth_maps(len(prepared)), targets)))
    print(f"ROAD over {len(prepared)} MNIST test digits (10–90% hidden, mean probability of the "
          f"explained class)\n")
    # No "× random" column: the random map's mean is about 0 and of either sign.
    print("| map | MoRF (hottest first) | LeRF (coldest first) | combined |")
    print("| --- | ---: | ---: | ---: |")
    for name, scores in rows:
        print(f"| {name} | {scores.morf.mean():.3f} | {scores.lerf.mean():.3f} | "
              f"{float(scores.combined.mean()):+.3f} |")


if __name__ == "__main__":
    main()
