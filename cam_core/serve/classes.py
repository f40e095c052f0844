"""Classes: a short code students type or scan, anonymous students, and the class wall of
everyone's latest drawing, with rounds (:mod:`cam_core.serve.rounds`). No Gradio here.

Everything lives in this process's memory, nothing is written to disk, and all of it is bounded:
``max_classes`` classes, ``max_students`` students a class, one tile a student (its picture
``TILE_SIDE``² RGB, ~77 KB: 60 students ≈ 5 MB a class). A class ends when its teacher ends it
or after ``idle_s`` without a student's answer or a teacher's action (checked lazily, on any
call; the clock is injectable for tests). An ended class leaves nothing but its code in a short
list, so that a late student reads "has ended" rather than "no such class".

The teacher's actions need the class's key (``secrets.token_urlsafe``), shown to the teacher
once. Every error a person may read is a :class:`ClassError` with a catalog sentence.
Thread-safe: one lock; pictures are made outside it.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from cam_core.explain.engine import Explanation
from cam_core.serve import rounds, tiles
from cam_core.serve.catalog import REFERENCE, say
from cam_core.serve.class_parts import (
    CODE_LENGTH,
    LETTERS,
    ClassError,
    Room,
    Started,
    Student,
    Tile,
    Wall,
    clean_code,
    clean_nickname,
)
from cam_core.serve.service import Upload

MAX_CLASSES = 50
MAX_STUDENTS = 60
IDLE_S = 3 * 3600.0
TIMER_S = (10, 600)  # a round's timer, seconds
ENDED_KEPT = 200  # codes of ended classes remembered, to say "has ended"
__all__ = ["LETTERS", "ClassError", "Classes", "Started", "Student", "Tile", "Wall"]


class Classes:
    """Every class of this server (see the module's docstring). All methods raise
    :class:`ClassError` for a wrong or ended code, a wrong key, or a bad value."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_classes: int = MAX_CLASSES, max_students: int = MAX_STUDENTS,
                 idle_s: float = IDLE_S) -> None:
        self._clock, self._idle_s = clock, idle_s
        self._max_classes, self._max_students = max_classes, max_students
        self._classes: OrderedDict[str, Room] = OrderedDict()
        self._ended: deque[str] = deque(maxlen=ENDED_KEPT)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many classes are running (expired ones are dropped first)."""
        with self._lock:
            self._expire()
            return len(self._classes)

    # ------------------------------------------------------------------ classes

    def start(self) -> Started:
        """A new class with a fresh code and key. Raises ClassError (``server_full``)."""
        with self._lock:
            self._expire()
            if len(self._classes) >= self._max_classes:
                raise ClassError("server_full")
            code = self._new_code()
            key = secrets.token_urlsafe(16)
            self._classes[code] = Room(key=key, active=self._clock())
            return Started(code, key)

    def end(self, code: str, key: str) -> None:
        """End class ``code``: its students, tiles and rounds are gone."""
        with self._lock:
            self._teacher(code, key)
            self._drop(clean_code(code))

    def exists(self, code: str | None) -> str:
        """The class's cleaned code, if it is running. Raises ClassError (bad code, no class,
        ended)."""
        with self._lock:
            return self._class(code)[0]

    def version(self, code: str) -> int:
        """A number that changes whenever what the wall shows changes (a timer ticking does
        not count: a running round's wall asks every second anyway)."""
        with self._lock:
            return self._class(code)[1].version

    # ------------------------------------------------------------------ students

    def join(self, code: str | None, language: str = REFERENCE) -> Student:
        """A new anonymous student in ``code`` with a random nickname in ``language``.
        Raises ClassError (``class_full`` and the code errors)."""
        with self._lock:
            code, room = self._class(code)
            if len(room.students) >= self._max_students:
                raise ClassError("class_full", code=code, count=self._max_students)
            nickname = self._nickname(room, language)
            student = secrets.token_urlsafe(12)
            room.students[student] = nickname
            room.changed(self._clock())
            return Student(code, student, nickname)

    def rename(self, code: str, student: str, nickname: str | None) -> Student:
        """Change a student's nickname (:func:`clean_nickname`); their tile follows."""
        nickname = clean_nickname(nickname)
        with self._lock:
            code, room = self._class(code)
            self._student(room, student)
            room.students[student] = nickname
            if student in room.tiles:
                room.tiles[student] = replace(room.tiles[student], nickname=nickname)
            room.changed(self._clock())
            return Student(code, student, nickname)

    def leave(self, code: str, student: str) -> None:
        """The student leaves: their nickname and tile are gone. Quiet when already gone."""
        with self._lock:
            try:
                _, room = self._class(code)
            except ClassError:
                return
            if room.students.pop(student, None) is not None:
                room.tiles.pop(student, None)
                room.changed(self._clock())

    def answer(self, code: str, student: str, result: Explanation, photo: bool = False,
               ) -> Tile | None:
        """A student's new answer (from the explanation the server computed for their page):
        it becomes their tile, and their drawing in the running round. Nothing readable
        (blank) changes nothing and gives None. An upload's picture stays private unless the
        teacher allowed photos (:func:`tiles.tile_picture`).
        """
        if result.digit is None:
            return None
        with self._lock:
            _, room = self._class(code)
            self._student(room, student)
            private = photo and not room.photos
        picture = tiles.tile_picture(result, private)  # outside the lock
        cams = np.array(result.class_cams, np.float32)
        model_input = np.array(result.model_input, np.uint8)
        with self._lock:
            _, room = self._class(code)
            nickname = self._student(room, student)
            now = self._clock()
            current = room.round if room.round and room.round.running(now) else None
            tile = Tile(next(room.numbers), nickname, picture, int(result.digit),
                        np.array(result.probabilities, np.float32), bool(result.not_a_digit),
                        photo, cams, model_input, current and current.number,
                        current and current.digit)
            room.tiles[student] = tile
            if current is not None:
                current.entries[student] = rounds.Entry(
                    tile.number, nickname, tile.answer, float(tile.probabilities[tile.answer]),
                    tile.not_a_digit, tiles.unit_cams(cams)[current.digit], model_input)
            room.changed(now)
            return tile

    def tell(self, who: object, result: Explanation, source: object) -> None:
        """:attr:`cam_core.serve.service.Service.on_answer` for a class: ``who`` is a student's
        membership ``{"code": …, "student": …}`` (anything else is ignored); an upload counts
        as a photo. A class ended or left meanwhile is no error: the answer just has no tile."""
        if isinstance(who, dict) and who.get("code") and who.get("student"):
            with contextlib.suppress(ClassError):
                self.answer(who["code"], who["student"], result,
                            photo=isinstance(source, Upload))

    def prompt(self, code: str) -> tuple[rounds.Round | None, bool]:
        """For a student's page: the round (running, or the last one) and whether it runs."""
        with self._lock:
            _, room = self._class(code)
            current = room.round
            return current, bool(current and current.running(self._clock()))

    # ------------------------------------------------------------------ the teacher

    def wall(self, code: str, key: str) -> Wall:
        """What the wall shows now (a snapshot)."""
        with self._lock:
            code, room = self._teacher(code, key)
            now = self._clock()
            shown = sorted((t for t in room.tiles.values() if not t.hidden),
                           key=lambda t: -t.number)
            current, record = room.round, room.record
            version, students, photos = room.version, len(room.students), room.photos
            summary_of = (rounds.Round(**{**vars(current), "entries": dict(current.entries)})
                          if current else None)
        summary = rounds.summarize(summary_of, record, now) if summary_of else None
        return Wall(code, version, tuple(shown), students, photos, summary)

    def tile(self, code: str, key: str, number: int) -> Tile:
        """Tile ``number`` of the wall (hidden or not), for its large view."""
        with self._lock:
            _, room = self._teacher(code, key)
            return self._tile(room, number)[1]

    def hide(self, code: str, key: str, number: int) -> None:
        """Hide tile ``number`` from the wall (the student's next drawing shows again)."""
        with self._lock:
            _, room = self._teacher(code, key)
            student, tile = self._tile(room, number)
            room.tiles[student] = replace(tile, hidden=True)
            room.changed(self._clock())

    def clear(self, code: str, key: str) -> None:
        """Empty the wall (students stay in the class)."""
        with self._lock:
            _, room = self._teacher(code, key)
            room.tiles.clear()
            room.changed(self._clock())

    def allow_photos(self, code: str, key: str, allowed: bool) -> None:
        """Whether uploaded photos appear on the wall from now on."""
        with self._lock:
            _, room = self._teacher(code, key)
            room.photos = bool(allowed)
            room.changed(self._clock())

    def start_round(self, code: str, key: str, digit: int | str, fool: bool = False,
                    seconds: float | None = None) -> rounds.Round:
        """Start a round: everyone draws ``digit`` (``fool``: so that the network reads
        another digit), for ``seconds`` (None or 0: until the teacher ends it). A running
        round is ended first. Raises ClassError (``bad_digit``, ``bad_seconds``)."""
        try:
            digit = int(digit)
        except (TypeError, ValueError):
            digit = -1
        if not 0 <= digit <= 9:
            raise ClassError("bad_digit")
        if seconds in (None, "", 0):
            seconds = None
        elif not TIMER_S[0] <= float(seconds) <= TIMER_S[1]:
            raise ClassError("bad_seconds", low=TIMER_S[0], high=TIMER_S[1])
        with self._lock:
            _, room = self._teacher(code, key)
            now = self._clock()
            self._close(room, now)
            number = room.round.number + 1 if room.round else 1
            room.round = rounds.Round(number, digit, bool(fool), now,
                                      None if seconds is None else float(seconds))
            room.changed(now)
            return room.round

    def end_round(self, code: str, key: str) -> None:
        """End the running round (its drawings join the class's record).
        Raises ClassError (``no_round``)."""
        with self._lock:
            _, room = self._teacher(code, key)
            if room.round is None or room.round.ended is not None:
                raise ClassError("no_round")
            self._close(room, self._clock(), early=True)
            room.changed(self._clock())

    def reject(self, code: str, key: str, number: int) -> None:
        """Reject tile ``number``'s drawing in the current fool-it round: it does not count as
        fooling the network (the drawing is not really the asked digit)."""
        with self._lock:
            _, room = self._teacher(code, key)
            current = room.round
            entry = next((e for e in current.entries.values() if e.tile == number),
                         None) if current and current.fool else None
            if entry is None:
                raise ClassError("not_fool_round" if not (current and current.fool)
                                 else "no_tile")
            entry.rejected = True
            room.changed(self._clock())

    # ------------------------------------------------------------------ inside (lock held)

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(LETTERS) for _ in range(CODE_LENGTH))
            if code not in self._classes and code not in self._ended:
                return code

    def _nickname(self, room: Room, language: str) -> str:
        words = [[w.strip() for w in say(language, f"wall.{part}").split(",") if w.strip()]
                 for part in ("adjectives", "animals")]
        taken = set(room.students.values())
        for _ in range(50):
            name = say(language, "wall.nickname", adjective=secrets.choice(words[0]),
                       animal=secrets.choice(words[1]))
            if name not in taken:
                return name
        return f"{name} {secrets.randbelow(90) + 10}"

    def _expire(self) -> None:
        now = self._clock()
        for code in [c for c, room in self._classes.items() if now - room.active > self._idle_s]:
            self._drop(code)

    def _drop(self, code: str) -> None:
        self._classes.pop(code, None)
        self._ended.append(code)

    def _class(self, code: str | None) -> tuple[str, Room]:
        code = clean_code(code)
        self._expire()
        room = self._classes.get(code)
        if room is None:
            raise ClassError("class_ended" if code in self._ended else "no_class", code=code)
        if room.round is not None and room.round.ended is None and not room.round.running(
                self._clock()):
            self._close(room, self._clock())  # its timer ran out
            room.changed(self._clock(), active=False)
        return code, room

    def _teacher(self, code: str | None, key: str | None) -> tuple[str, Room]:
        code, room = self._class(code)
        if not secrets.compare_digest(str(key or "").encode(), room.key.encode()):
            raise ClassError("wrong_key", code=code)
        return code, room

    @staticmethod
    def _student(room: Room, student: str) -> str:
        nickname = room.students.get(student)
        if nickname is None:
            raise ClassError("not_in_class")
        return nickname

    @staticmethod
    def _tile(room: Room, number: int) -> tuple[str, Tile]:
        for student, tile in room.tiles.items():
            if tile.number == int(number):
                return student, tile
        raise ClassError("no_tile")

    @staticmethod
    def _close(room: Room, now: float, early: bool = False) -> None:
        current = room.round
        if current is None or current.ended is not None:
            return
        current.ended = now if early or current.seconds is None else min(
            now, current.started + current.seconds)
        room.record.add(current)
