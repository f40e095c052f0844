"""Train the digit ResNet34: ``python -m training.train --data-root ../shared/data/mnist``.

Data: MNIST train minus its last 5,000 images (kept back for calibration and the threshold),
augmented for drawn input and passed through the app's own normalisation; a share of pendigits
replays from writers 1–25 (writers 26–30 are held back for evaluation); with outlier exposure
(Hendrycks et al., "Deep Anomaly Detection with Outlier Exposure", ICLR 2019) on Fashion-MNIST
train, random scribbles and letters, whose target is the uniform distribution.

After training: temperature scaling and the out-of-distribution threshold are fitted on the
held-back digits and stored in the safetensors metadata; the weights, a metrics JSON and the
model card are written. Checkpoints are safetensors + JSON (no pickle) and ``--resume`` continues
a run exactly, because every step draws its randomness from (seed, step).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from cam_core.model.network import DigitResNet, build_model
from cam_core.model.weights import (
    DEFAULT_WEIGHTS,
    load_model,
    resolve_device,
    save_weights,
    sha256_of,
)
from training import card, datasets
from training.batches import Batches, batch_stream
from training.calibration import (
    HELD_BACK,
    fit_calibration,
    logits_of,
    recalibrate,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default="./data",
                        help="torchvision MNIST root (default ./data, downloaded if missing "
                             "with --download)")
    parser.add_argument("--download", action="store_true", help="let torchvision fetch MNIST")
    parser.add_argument("--epochs", type=float, default=2.0,
                        help="passes over the MNIST training images (fractions allowed)")
    parser.add_argument("--batch-size", type=int, default=64, help="digits per step")
    parser.add_argument("--outliers", type=int, default=16,
                        help="outlier-exposure samples per step (0 turns it off)")
    parser.add_argument("--pen-share", type=float, default=0.15,
                        help="share of each digit batch that is a pendigits replay")
    parser.add_argument("--clean-share", type=float, default=0.0,
                        help="share of the MNIST digits given as they are, without warp or "
                             "re-fit (MNIST is already normalised the app's way); a last, "
                             "low-rate fine-tune with some clean digits lifts MNIST accuracy")
    parser.add_argument("--style-share", type=float, default=0.0,
                        help="share of pen replays of 1, 2, 4, 7, 9 restyled as writers "
                             "elsewhere write them (training.styles: flags, bases, loops, "
                             "crossbars, tails)")
    parser.add_argument("--pen-bend-share", type=float, default=0.0,
                        help="share of pen replays whose strokes are bent by a smooth random "
                             "displacement (augment.bend_strokes: other writers' versions of "
                             "the 25 training writers' digits)")
    parser.add_argument("--marks-share", type=float, default=0.0,
                        help="share of outliers that are marks students leave (training.marks: "
                             "dots, dashes, faces, hearts, stars, crossed-out digits)")
    parser.add_argument("--low-res-share", type=float, default=0.0,
                        help="share of the warped MNIST digits also seen at a low resolution "
                             "(12–20 px across, enlarged again: coarse scans, small photos)")
    parser.add_argument("--scan-share", type=float, default=0.0,
                        help="share of the warped MNIST digits made small scans that fill their "
                             "box (14–20 px, thick soft strokes, grey paper: augment.small_scan) "
                             "and read by the app's upload path")
    parser.add_argument("--minutes", type=float, default=0.0,
                        help="fit the run into this many minutes of training: after a 60-step "
                             "trial the step count is cut to what fits (0 = no limit). The "
                             "schedule then depends on the machine's speed; the metrics record "
                             "the steps taken; not with --resume")
    parser.add_argument("--lr", type=float, default=0.1, help="peak SGD learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--limit", type=int, default=0,
                        help="smoke run: use only N training images and N//batch steps")
    parser.add_argument("--out", default=str(DEFAULT_WEIGHTS), help="weights file to write")
    parser.add_argument("--checkpoint", default="", help="checkpoint prefix (default: OUT.ckpt)")
    parser.add_argument("--checkpoint-every", type=int, default=100, help="steps")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    parser.add_argument("--init", default="",
                        help="start from these weights (.safetensors) instead of random ones: "
                             "a fine-tuning run with a fresh schedule")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = default)")
    parser.add_argument("--workers", type=int, default=-1,
                        help="processes that make batches ahead of the model (-1 = auto: "
                             "none on the CPU, where the model is the bottleneck; up to 8 "
                             "with CUDA, where one process making batches would be)")
    parser.add_argument("--no-card", action="store_true", help="do not write MODEL_CARD.md")
    parser.add_argument("--recalibrate", action="store_true",
                        help="only refit temperature and OOD threshold of --out's weights")
    return parser.parse_args(argv)


def learning_rate(step: int, total: int, peak: float) -> float:
    """One-cycle schedule: linear warm-up over 15% of steps, then cosine down to peak/1000."""
    warm = max(1, int(0.15 * total))
    if step < warm:
        return peak * (0.04 + 0.96 * step / warm)
    progress = (step - warm) / max(1, total - warm)
    return peak * (1e-3 + (1 - 1e-3) * 0.5 * (1 + math.cos(math.pi * progress)))


def _save_checkpoint(prefix: Path, model: nn.Module, ema: nn.Module,
                     optimiser: torch.optim.Optimizer, step: int) -> None:
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors |= {f"ema.{k}": v.detach().cpu().contiguous() for k, v in ema.state_dict().items()}
    names = {id(p): n for n, p in model.named_parameters()}
    for group in optimiser.param_groups:
        for param in group["params"]:
            buffer = optimiser.state.get(param, {}).get("momentum_buffer")
            if buffer is not None:
                tensors[f"momentum.{names[id(param)]}"] = buffer.detach().cpu().contiguous()
    save_file(tensors, str(prefix.with_suffix(".ckpt.safetensors")))
    prefix.with_suffix(".ckpt.json").write_text(json.dumps({"step": step}))


def _load_checkpoint(prefix: Path, model: nn.Module, ema: nn.Module,
                     optimiser: torch.optim.Optimizer) -> int:
    tensors = load_file(str(prefix.with_suffix(".ckpt.safetensors")))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    ema.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("ema.")})
    params = dict(model.named_parameters())
    for key, value in tensors.items():
        if key.startswith("momentum."):
            optimiser.state[params[key[9:]]]["momentum_buffer"] = value.to(params[key[9:]].device)
    return int(json.loads(prefix.with_suffix(".ckpt.json").read_text())["step"])


class Ema:
    """Exponential moving average of a model's weights and BatchNorm statistics, in place.

    The tensor pairs are listed once (training updates them in place), and the floating ones
    move in one fused ``_foreach_lerp_``: ~200 small tensors per step cost a GPU launch each.
    """

    def __init__(self, ema: nn.Module, model: nn.Module) -> None:
        pairs = list(zip(ema.state_dict().values(), model.state_dict().values(), strict=True))
        self.targets = [t for t, _ in pairs if t.is_floating_point()]
        self.sources = [s for t, s in pairs if t.is_floating_point()]
        self.counters = [(t, s) for t, s in pairs if not t.is_floating_point()]

    @torch.no_grad()
    def update(self, decay: float) -> None:
        torch._foreach_lerp_(self.targets, self.sources, 1 - decay)
        for target, source in self.counters:
            target.copy_(source)


def train(args: argparse.Namespace) -> dict:
    """Run training, calibration and the held-back evaluation; write weights and metrics."""
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = resolve_device(args.device)
    batches = Batches(args)
    total = max(1, int(args.epochs * batches.per_epoch))
    if args.limit:
        total = max(1, args.limit // args.batch_size)
    model = build_model().to(device)
    if args.init:
        # A copy: load_model's result is cached and shared, training must not change it.
        model.load_state_dict(load_model(args.init, device).state_dict())
    model = model.to(memory_format=torch.channels_last)
    ema = build_model().to(device)
    ema.load_state_dict(model.state_dict())
    optimiser = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                weight_decay=5e-4)
    out = Path(args.out)
    prefix = Path(args.checkpoint) if args.checkpoint else out
    start = 0
    if args.resume and prefix.with_suffix(".ckpt.json").exists():
        start = _load_checkpoint(prefix, model, ema, optimiser)
        print(f"resumed at step {start}/{total}", file=sys.stderr)
    averager = Ema(ema, model)
    use_amp = device.type == "cuda"
    torch.backends.cudnn.benchmark = use_amp  # one input shape all run: pick the fastest kernels
    began = time.time()
    progress = tqdm(initial=start, total=total, desc="train", mininterval=10, file=sys.stderr)
    stream = batch_stream(batches, start, total, args.workers, device)
    step, trial_began = start, began
    while step < total:
        digits, labels, outliers = next(stream)
        if args.minutes and step == start + 60:
            total = steps_that_fit(step, total, began, trial_began, args.minutes)
            progress.total = total
        if step == start + 10:
            trial_began = time.time()  # after the first steps' start-up (workers, cudnn)
        model.train()
        inputs = torch.cat([digits, outliers]).to(device, memory_format=torch.channels_last)
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, total, args.lr)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
            logits, _ = model(inputs)
        logits = logits.float()
        digit_loss = nn.functional.cross_entropy(logits[: len(digits)], labels.to(device))
        loss = digit_loss
        if len(outliers):
            # Outlier exposure: cross-entropy to the uniform distribution (Hendrycks et al.).
            outlier_loss = -torch.log_softmax(logits[len(digits):], dim=1).mean()
            loss = loss + 0.5 * outlier_loss
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        averager.update(decay=min(0.998, (1 + step) / (10 + step)))
        if step % 50 == 0:  # .item() waits for the GPU: not every step
            progress.set_postfix(loss=f"{digit_loss.item():.3f}", lr=f"{group['lr']:.4f}",
                                 refresh=False)
        if (step + 1) % args.checkpoint_every == 0 and step + 1 < total:
            _save_checkpoint(prefix, model, ema, optimiser, step + 1)
        progress.update()
        step += 1
    progress.close()
    del stream  # stops the workers still making batches past a cut total
    seconds = time.time() - began
    return finish(args, model, ema, batches, device, total, seconds)


def steps_that_fit(step: int, total: int, began: float, trial_began: float,
                    minutes: float) -> int:
    """The step count that ends training ``minutes`` after ``began``, at the speed of the
    steps since ``trial_began`` (step − 50 of them); never more than ``total``."""
    per_step = (time.time() - trial_began) / 50
    left = minutes * 60 - (time.time() - began)
    fits = step + max(0, int(left / per_step))
    print(f"{per_step * 1000:.0f} ms per step: {min(total, fits)} steps fit in {minutes} min",
          file=sys.stderr)
    return max(step + 1, min(total, fits))


def finish(args: argparse.Namespace, model: DigitResNet, ema: DigitResNet, batches: Batches,
           device: torch.device, steps: int, seconds: float) -> dict:
    """Pick raw or EMA weights on held-back MNIST, fit T and the OOD threshold, save all."""
    images, labels = datasets.load_mnist(args.data_root, train=True, download=args.download)
    held_pictures, held_labels = images[-HELD_BACK:], labels[-HELD_BACK:]
    if args.limit:
        held_pictures, held_labels = held_pictures[:100], held_labels[:100]
    held_images = held_pictures.astype(np.float32) / 255.0
    candidates = {}
    for name, net in (("raw", model), ("ema", ema)):
        net = net.to(memory_format=torch.contiguous_format)
        logits = logits_of(net, held_images, device)
        candidates[name] = (float((logits.argmax(1) == held_labels).mean()), net, logits)
    chosen = max(candidates, key=lambda k: candidates[k][0])
    accuracy, best, logits = candidates[chosen]
    temperature, threshold = fit_calibration(best, device, logits, held_labels, held_pictures,
                                             limit=100 if args.limit else 0)
    best.metadata = {"temperature": f"{temperature:.6f}", "ood_score": "energy",
                     "ood_threshold": f"{threshold:.6f}", "weights": chosen}
    sha = save_weights(best.cpu(), args.out)
    # float16 on disk must not change a single top-1 on the held-back digits.
    stored = load_model(args.out, device)
    agreement = float((logits_of(stored, held_images, device).argmax(1)
                       == logits.argmax(1)).mean())
    metrics = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": card.command_line("training.train", sys.argv[1:]),
        "steps": steps, "epochs": round(steps / batches.per_epoch, 2), "seconds": round(seconds, 1),
        "clean_share": args.clean_share, "pen_share": args.pen_share,
        "style_share": args.style_share, "marks_share": args.marks_share,
        "low_res_share": args.low_res_share, "pen_bend_share": args.pen_bend_share,
        "scan_share": args.scan_share,
        "initialised_from": ({"path": Path(args.init).name, "sha256": sha256_of(args.init)}
                             if args.init else None),
        "device": str(device), "torch": torch.__version__, "python": platform.python_version(),
        "held_back_accuracy": accuracy, "weights_chosen": chosen,
        "held_back_accuracy_raw": candidates["raw"][0],
        "held_back_accuracy_ema": candidates["ema"][0],
        "temperature": temperature, "ood_threshold": threshold, "sha256": sha,
        "float16_top1_agreement_held_back": agreement,
    }
    Path(args.out).with_suffix(".metrics.json").write_text(json.dumps(metrics, indent=2))
    if not args.no_card:
        card.write_card(Path(args.out))
    print(json.dumps(metrics, indent=2))
    return metrics


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    recalibrate(args) if args.recalibrate else train(args)


if __name__ == "__main__":
    main()
