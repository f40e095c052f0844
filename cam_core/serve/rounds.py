"""A class's rounds ("everyone draw a 4", or "fool the network: draw a 4 that it reads as
another digit") and what the class learns from them: how many drawings the network read right,
which drawings fooled it, the class's hardest digits and its average map of each digit.

Plain data; the registry (:mod:`cam_core.serve.classes`) holds the lock. Memory is bounded:
a round keeps one entry per student (their latest drawing) and a class's record is ten sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cam_core.serve import tiles

HARDEST_SHOWN = 3


@dataclass
class Entry:
    """A student's latest drawing in a round.

    Attributes:
        tile: the wall tile's number; nickname: the student's nickname then.
        answer: the network's digit 0–9 (None: nothing readable).
        probability: the answer's probability in [0, 1].
        not_a_digit: the network flagged the drawing as not a digit.
        unit: ``(7, 7)`` float32 in [0, 1], the min–max scaled CAM of the round's digit.
        model_input: ``(28, 28)`` uint8, what the network saw.
        rejected: the teacher rejected it (a fool-it drawing that is not really the digit).
    """

    tile: int
    nickname: str
    answer: int | None
    probability: float
    not_a_digit: bool
    unit: np.ndarray
    model_input: np.ndarray
    rejected: bool = False


@dataclass
class Round:
    """One round. Times are the registry's clock in seconds; ``seconds`` None = no timer."""

    number: int
    digit: int
    fool: bool
    started: float
    seconds: float | None = None
    ended: float | None = None
    entries: dict[str, Entry] = field(default_factory=dict)  # student id → latest drawing

    def running(self, now: float) -> bool:
        """Open for drawings: not ended and its timer (if any) not run out."""
        if self.ended is not None:
            return False
        return self.seconds is None or now < self.started + self.seconds

    def seconds_left(self, now: float) -> int | None:
        """Whole seconds before the timer ends the round (rounded up); None without a timer."""
        if self.seconds is None:
            return None
        return max(0, int(np.ceil(self.started + self.seconds - now)))


@dataclass(frozen=True)
class Fooled:
    """A drawing that fooled the network: its tile, nickname, answer and its probability."""

    tile: int
    nickname: str
    answer: int
    probability: float


@dataclass(frozen=True)
class Average:
    """A class's average map of ``digit`` over ``count`` drawings: ``picture`` is
    ``(MAP_SIDE, MAP_SIDE, 3)`` uint8 RGB (:func:`cam_core.serve.tiles.average_picture`)."""

    digit: int
    count: int
    picture: np.ndarray


@dataclass(frozen=True)
class Summary:
    """What the wall shows about a round.

    Attributes:
        number, digit, fool: the round.
        running: still open; seconds_left: None without a timer.
        drawings: how many students drew in it (their latest drawing each, rejected ones out).
        right: how many the network read as ``digit`` (and not flagged "not a digit").
        fooled: in a fool-it round, the drawings read as another digit (not flagged, not
            rejected), surest first; empty otherwise.
        hardest: up to three ``(digit, right, total)`` of the class's ordinary rounds, lowest
            share read right first, only digits the network got wrong at least once.
        averages: the class's average map per digit over its ended ordinary rounds (not the
            fool-it ones: those drawings are made to look unlike the digit), digits in order.
    """

    number: int
    digit: int
    fool: bool
    running: bool
    seconds_left: int | None
    drawings: int
    right: int
    fooled: tuple[Fooled, ...]
    hardest: tuple[tuple[int, int, int], ...]
    averages: tuple[Average, ...]


def is_right(entry: Entry, digit: int) -> bool:
    """The network read ``entry`` as ``digit`` (and did not flag it as not a digit)."""
    return entry.answer == digit and not entry.not_a_digit


def fooled(entry: Entry, digit: int) -> bool:
    """``entry`` fooled the network: read as another digit, not flagged, not rejected."""
    return (not entry.rejected and not entry.not_a_digit and entry.answer is not None
            and entry.answer != digit)


class Record:
    """A class's results over its ended rounds: per digit, drawings and how many were read right
    and the sums for its average maps (ordinary rounds only, rejected drawings out).
    Fixed size: ten counters and ten summed maps."""

    def __init__(self) -> None:
        self.drawn = np.zeros(10, np.int64)
        self.right = np.zeros(10, np.int64)
        self.count = np.zeros(10, np.int64)
        self.unit_sum = np.zeros((10, 7, 7), np.float64)
        self.input_sum = np.zeros((10, 28, 28), np.float64)

    def add(self, finished: Round) -> None:
        """Count an ended round's drawings."""
        digit = finished.digit
        for entry in finished.entries.values():
            if entry.rejected:
                continue
            if finished.fool:  # drawn to look unlike the digit: neither hard nor average
                continue
            self.drawn[digit] += 1
            self.right[digit] += is_right(entry, digit)
            if entry.unit.shape == self.unit_sum.shape[1:]:
                self.count[digit] += 1
                self.unit_sum[digit] += entry.unit
                self.input_sum[digit] += entry.model_input

    def hardest(self) -> tuple[tuple[int, int, int], ...]:
        """See :attr:`Summary.hardest`."""
        missed = [d for d in range(10) if self.drawn[d] and self.right[d] < self.drawn[d]]
        missed.sort(key=lambda d: (self.right[d] / self.drawn[d], -self.drawn[d], d))
        return tuple((d, int(self.right[d]), int(self.drawn[d]))
                     for d in missed[:HARDEST_SHOWN])

    def averages(self) -> tuple[Average, ...]:
        """See :attr:`Summary.averages`."""
        return tuple(Average(d, int(n), tiles.average_picture(self.unit_sum[d] / n,
                                                              self.input_sum[d] / n))
                     for d, n in enumerate(self.count) if n)


def summarize(current: Round, record: Record, now: float) -> Summary:
    """The wall's summary of ``current`` with the class's ``record`` (averages and hardest
    digits from ended rounds)."""
    counted = [e for e in current.entries.values() if not e.rejected]
    fooling = sorted((e for e in counted if current.fool and fooled(e, current.digit)),
                     key=lambda e: -e.probability)
    return Summary(current.number, current.digit, current.fool, current.running(now),
                   current.seconds_left(now) if current.running(now) else None, len(counted),
                   sum(is_right(e, current.digit) for e in counted),
                   tuple(Fooled(e.tile, e.nickname, int(e.answer), e.probability)
                         for e in fooling),
                   record.hardest(), record.averages())
