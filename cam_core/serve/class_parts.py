"""The plain data of a class (:mod:`cam_core.serve.classes`): its errors, a class code and a
nickname as a person types them, made safe; a new class, a student, a wall tile, the wall.
No Gradio here.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cam_core.errors import PersonError
from cam_core.serve import rounds
from cam_core.serve.catalog import REFERENCE, say

LETTERS = "ACDEFHJKMNPRTUVWXY"  # no look-alikes (B/8, G/6, I/1, L, O/0, Q, S/5, Z/2)
CODE_LENGTH = 4
NICKNAME_LENGTH = 24
UNSAFE = re.compile(r"[<>&\"'`\\{}]")


class ClassError(PersonError):
    """A sentence a person can act on (wrong code, wrong key, class full …): ``key`` and
    ``values`` name it in the catalog (``wall.<key>``), ``str()`` is the English one."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key, self.values = f"wall.{key}", values
        super().__init__(say(REFERENCE, self.key, **values))

    def said(self, language: str) -> str:
        """The sentence in ``language``."""
        return say(language, self.key, **self.values)


@dataclass(frozen=True)
class Started:
    """A new class: its ``code`` (4 letters) and its teacher ``key`` (keep it secret)."""

    code: str
    key: str


@dataclass(frozen=True)
class Student:
    """A student in class ``code``: ``id`` (secret: it alone lets their page act for them) and
    their ``nickname``."""

    code: str
    id: str
    nickname: str


@dataclass(frozen=True)
class Tile:
    """A student's latest drawing on the wall.

    Attributes:
        number: the tile's number, unique in its class (a new drawing gets a new number).
        nickname: the student's nickname when they drew it.
        picture: ``(TILE_SIDE, TILE_SIDE, 3)`` uint8 RGB (:func:`tiles.tile_picture`).
        answer: the network's digit 0–9; probabilities: ``(10,)`` float32 summing to 1.
        not_a_digit: flagged as not a digit; photo: an upload (else a drawing).
        class_cams: ``(10, 7, 7)`` float32 raw CAMs; model_input: ``(28, 28)`` uint8.
        round: the round it was drawn in (number), None outside rounds; asked: that round's
            digit (None outside rounds).
        hidden: the teacher hid it.
    """

    number: int
    nickname: str
    picture: np.ndarray
    answer: int
    probabilities: np.ndarray
    not_a_digit: bool
    photo: bool
    class_cams: np.ndarray
    model_input: np.ndarray
    round: int | None = None
    asked: int | None = None
    hidden: bool = False


@dataclass(frozen=True)
class Wall:
    """What the wall shows: ``version`` (changes with every change), the visible ``tiles``
    (newest first), ``students`` (how many joined), ``photos`` (allowed), ``summary`` of the
    current or last round (None before the first)."""

    code: str
    version: int
    tiles: tuple[Tile, ...]
    students: int
    photos: bool
    summary: rounds.Summary | None


@dataclass
class Room:
    """One class's state, as the registry keeps it (its lock held while in use)."""

    key: str
    active: float
    version: int = 0
    photos: bool = False
    students: dict[str, str] = field(default_factory=dict)  # id → nickname
    tiles: dict[str, Tile] = field(default_factory=dict)  # student id → tile
    round: rounds.Round | None = None
    record: rounds.Record = field(default_factory=rounds.Record)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def changed(self, now: float, active: bool = True) -> None:
        """Something the wall shows changed (at ``now``; ``active``: a person did it)."""
        self.version += 1
        if active:
            self.active = now


def clean_code(text: str | None) -> str:
    """A code as typed or read aloud: upper case, spaces and dashes dropped.

    Raises: ClassError ``bad_code`` when it is not 4 letters; ``no_class`` when it is 4 letters
    of which some are never in a code (no class has it: "ZZZZ", "ABCD").
    """
    code = re.sub(r"[\s\-_.]", "", str(text or "")).upper()
    if len(code) != CODE_LENGTH or not (code.isascii() and code.isalpha()):
        raise ClassError("bad_code")
    if any(c not in LETTERS for c in code):
        raise ClassError("no_class", code=code)
    return code


def clean_nickname(text: str | None) -> str:
    """A nickname as a person typed it, made safe to show: Unicode normalised (NFKC), control
    and formatting characters and ``<>&"'`\\{}`` removed, spaces collapsed, at most
    :data:`NICKNAME_LENGTH` characters.

    Raises: ClassError (``nickname_empty``) when no letter or digit is left.
    """
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = " ".join(UNSAFE.sub("", text).split())[:NICKNAME_LENGTH].strip()
    if not any(c.isalnum() for c in text):
        raise ClassError("nickname_empty")
    return text


