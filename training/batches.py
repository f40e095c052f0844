"""The training data, step by step: step ``k``'s batch is made from (seed, k) alone
(:class:`Batches`), so a resumed run sees the same data, and :func:`batch_stream` makes the
batches ahead of the model in worker processes (the same batches for any number of them).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterator

import numpy as np
import torch

from cam_core.inputs.fit import MODEL_SIZE
from training import augment, datasets
from training.calibration import HELD_BACK, stack_inputs


class Batches:
    """Makes step ``k``'s batch from (seed, k) alone, so a resumed run sees the same data."""

    def __init__(self, args: argparse.Namespace) -> None:
        images, labels = datasets.load_mnist(args.data_root, train=True, download=args.download)
        self.images, self.labels = images[:-HELD_BACK], labels[:-HELD_BACK]
        if args.limit:
            self.images, self.labels = self.images[: args.limit], self.labels[: args.limit]
        try:
            pen = [d for d in datasets.load_pendigits()
                   if d.writer not in datasets.PENDIGITS_HELD_OUT_WRITERS]
        except FileNotFoundError:
            pen = []
            print("pendigits not found: training on MNIST only", file=sys.stderr)
        self.pen = pen
        self.pen_strokes = [d.strokes for d in pen]  # crossed-out digits for outlier exposure
        self.fashion = None
        if args.outliers:
            try:
                self.fashion = datasets.load_fashion(train=True)
            except FileNotFoundError as error:
                print(f"{error} Outliers will be scribbles and letters only.", file=sys.stderr)
        self.args = args
        self.per_epoch = math.ceil(len(self.images) / args.batch_size)

    def make(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(digits (B, 1, 28, 28), labels (B,), outliers (O, 1, 28, 28)), normalised float32."""
        args = self.args
        rng = np.random.default_rng([args.seed, step])
        epoch, position = divmod(step, self.per_epoch)
        order = np.random.default_rng([args.seed, 10_000 + epoch]).permutation(len(self.images))
        picked = order[position * args.batch_size:(position + 1) * args.batch_size]
        digits, labels = [], []
        for index in picked:
            if self.pen and rng.random() < args.pen_share:
                pen = self.pen[rng.integers(len(self.pen))]
                digits.append(augment.replay_pendigit(rng, pen, args.style_share,
                                                      args.pen_bend_share))
                labels.append(pen.label)
            else:
                # Drawn only when asked, so older recipes replay their exact random stream.
                clean = args.clean_share > 0 and rng.random() < args.clean_share
                image = self.images[index]
                digits.append(image / np.float32(255) if clean
                              else augment.augment_mnist(rng, image, args.low_res_share,
                                                           args.scan_share))
                labels.append(int(self.labels[index]))
        outliers = [augment.random_outlier(rng, self.fashion, args.marks_share, self.pen_strokes)
                    for _ in range(args.outliers)]
        return (stack_inputs(digits), torch.tensor(labels),
                stack_inputs(outliers) if outliers else torch.zeros(0, 1, MODEL_SIZE, MODEL_SIZE))


class _Steps(torch.utils.data.Dataset):
    """Item ``i`` is the batch of step ``start + i``: lets a DataLoader make batches ahead."""

    def __init__(self, batches: Batches, start: int, total: int) -> None:
        self.batches, self.start, self.total = batches, start, total

    def __len__(self) -> int:
        return self.total - self.start

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.batches.make(self.start + index)


def batch_stream(batches: Batches, start: int, total: int, workers: int,
                 device: torch.device) -> Iterator[tuple[torch.Tensor, ...]]:
    """The batches of steps ``start``…``total - 1`` in order, made by ``workers`` processes.

    Each batch depends on (seed, step) alone, so any number of workers gives the same batches.
    ``workers < 0`` picks: 0 on the CPU (the 2-core machine spends ~5 s per step in the model
    and ~30 ms making a batch), else up to 8 (a GPU step takes a few ms).
    """
    if workers < 0:
        workers = 0 if device.type == "cpu" else max(0, min(8, (os.cpu_count() or 1) - 1))
    if workers == 0:
        return (batches.make(step) for step in range(start, total))
    loader = torch.utils.data.DataLoader(_Steps(batches, start, total), batch_size=None,
                                         num_workers=workers, prefetch_factor=8,
                                         pin_memory=device.type == "cuda")
    return iter(loader)
