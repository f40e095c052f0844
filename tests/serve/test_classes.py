"""A class together: codes, anonymous students, the wall of their latest drawings, the
teacher's key, rounds and the "fool the network" challenge; all in memory and bounded."""

from __future__ import annotations

import numpy as np
import pytest

from cam_core.explain.engine import Explanation
from cam_core.serve import tiles
from cam_core.serve.classes import LETTERS, ClassError, Classes, clean_code, clean_nickname


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(digit: int | None, not_a_digit: bool = False, size: int = 400) -> Explanation:
    """An explanation as the engine returns it, the network sure of ``digit``: its class
    map hot at the top left, the overlay a flat colour of the digit (to tell tiles apart)."""
    probabilities = np.full(10, 0.01, np.float32)
    cams = np.zeros((10, 7, 7), np.float32)
    if digit is not None:
        probabilities[digit] = 0.91
        cams[digit, :3, :3] = 5.0
    model_input = np.zeros((28, 28), np.uint8)
    model_input[6:22, 12:16] = 255
    return Explanation(
        digit=digit, probabilities=probabilities, target=digit, class_cams=cams,
        target_map=cams[digit or 0], cam=np.zeros((size, size), np.float32),
        cam_model=np.zeros((28, 28), np.float32),
        overlay=np.full((size, size, 3), 20 * (digit or 0), np.uint8), model_input=model_input,
        logits=np.zeros(10, np.float32), pooled_features=np.zeros(512, np.float32),
        ood_score=0.0, not_a_digit=not_a_digit, method="cam", layer="layer4", message="")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def classes(clock) -> Classes:
    return Classes(clock=clock, max_classes=5, max_students=4, idle_s=3600)


def refused(key: str, action, *args) -> str:
    """The sentence of the ClassError ``action(*args)`` raises; it must be ``wall.<key>``."""
    with pytest.raises(ClassError) as error:
        action(*args)
    assert error.value.key == f"wall.{key}"
    assert str(error.value).endswith(".") and len(str(error.value)) > 20
    return str(error.value)


def test_codes_are_four_letters_without_look_alikes_and_are_read_leniently(classes):
    codes = set()
    for _ in range(5):
        code = classes.start().code
        assert len(code) == 4 and set(code) <= set(LETTERS)
        codes.add(code)
    assert len(codes) == 5
    assert not set("BGILOQSZ0125") & set(LETTERS)
    code = sorted(codes)[0]
    assert clean_code(f" {code[:2].lower()}-{code[2:]} ") == code
    assert classes.exists(code.lower()) == code
    assert "4 letters" in refused("bad_code", classes.exists, "AB")
    assert "4 letters" in refused("bad_code", classes.exists, "AB1D")
    # Four letters, one never used in codes (B): simply no such class.
    assert "ABCD" in refused("no_class", classes.exists, "abcd")
    missing = next(c for c in ("ACDE", "ACDF", "ACDH", "ACDJ", "ACDK", "ACDM")
                   if c not in codes)
    assert missing in refused("no_class", classes.join, missing)


def test_keys_are_secret_and_a_wrong_or_missing_key_is_refused(classes):
    first, second = classes.start(), classes.start()
    assert len(first.key) >= 20 and first.key != second.key
    student = classes.join(first.code)
    classes.answer(first.code, student.id, answer(3))
    number = classes.wall(first.code, first.key).tiles[0].number
    for key in ("", None, "nope", second.key):
        for action, *args in ((classes.wall,), (classes.clear,), (classes.end,),
                              (classes.hide, number), (classes.tile, number),
                              (classes.allow_photos, True), (classes.start_round, 4),
                              (classes.end_round,), (classes.reject, number)):
            sentence = refused("wrong_key", action, first.code, key, *args)
            assert "teacher" in sentence and first.code in sentence
    assert len(classes.wall(first.code, first.key).tiles) == 1  # nothing was done


def test_bounds_on_classes_and_students(classes):
    started = [classes.start() for _ in range(5)]
    assert "Too many classes" in refused("server_full", classes.start)
    code = started[0].code
    for _ in range(4):
        classes.join(code)
    assert "is full" in refused("class_full", classes.join, code)
    classes.end(code, started[0].key)
    assert classes.start().code != code  # room again; an ended code is not handed out again


def test_a_class_expires_after_hours_without_activity_and_says_so(classes, clock):
    started = classes.start()
    student = classes.join(started.code)
    clock.now += 3000
    classes.answer(started.code, student.id, answer(1))  # activity keeps it alive
    clock.now += 3000
    assert classes.wall(started.code, started.key).students == 1
    clock.now += 3601
    assert "has ended" in refused("class_ended", classes.join, started.code)
    assert len(classes) == 0


def test_nicknames_are_random_changeable_and_cleaned(classes):
    started = classes.start()
    students = [classes.join(started.code) for _ in range(4)]
    names = [s.nickname for s in students]
    assert len(set(names)) == 4 and all(len(n.split()) == 2 for n in names)
    renamed = classes.rename(started.code, students[0].id, "  <b>Ann</b>\u202e\x00  the   great "
                             + "x" * 40)
    assert renamed.nickname.startswith("bAnn/b the great") and len(renamed.nickname) <= 24
    assert not set("<>&\"'`\u202e\x00") & set(renamed.nickname)
    assert clean_nickname("Zoë 7") == "Zoë 7"
    refused("nickname_empty", classes.rename, started.code, students[0].id, " <> ")
    classes.answer(started.code, students[0].id, answer(2))
    classes.rename(started.code, students[0].id, "Ann")
    assert classes.wall(started.code, started.key).tiles[0].nickname == "Ann"


def test_the_latest_answer_is_the_tile_and_the_version_changes_only_on_change(classes):
    started = classes.start()
    student = classes.join(started.code)
    version = classes.version(started.code)
    assert classes.version(started.code) == version  # reading changes nothing
    assert classes.answer(started.code, student.id, answer(None)) is None  # blank pad
    assert classes.version(started.code) == version
    classes.answer(started.code, student.id, answer(3))
    tile = classes.answer(started.code, student.id, answer(8))
    wall = classes.wall(started.code, started.key)
    assert wall.version > version and [t.answer for t in wall.tiles] == [8]
    assert tile.picture.shape == (tiles.TILE_SIDE, tiles.TILE_SIDE, 3)
    assert tile.picture.dtype == np.uint8 and tile.class_cams.shape == (10, 7, 7)
    assert (tile.picture[80, 80] == 160).all()  # the overlay, fitted
    maps = tiles.ten_maps(tile.model_input, tile.class_cams, tile.probabilities)
    assert len(maps) == 10 and maps[8][1] == "8: 91.0%"
    french = tiles.ten_maps(tile.model_input, tile.class_cams, tile.probabilities, "fr")
    assert french[8][1] == "8: 91,0\xa0%"  # French writes its percent sign apart
    assert maps[8][0].shape == (tiles.MAP_SIDE, tiles.MAP_SIDE, 3)
    assert tiles.data_url(tile.picture).startswith("data:image/jpeg;base64,")


def test_photos_stay_private_unless_the_teacher_allows_them(classes):
    started = classes.start()
    student = classes.join(started.code)
    private = classes.answer(started.code, student.id, answer(5), photo=True).picture
    assert not (private == 100).all(axis=2).any()  # the photo's overlay is not on the wall
    assert (private < 128).all(axis=2).any()  # the 28×28 ink is (dark on white)
    classes.allow_photos(started.code, started.key, True)
    shown = classes.answer(started.code, student.id, answer(5), photo=True).picture
    assert (shown == 100).all()


def test_hide_clear_and_end(classes):
    started = classes.start()
    ann, bob = classes.join(started.code), classes.join(started.code)
    classes.answer(started.code, ann.id, answer(1))
    tile = classes.answer(started.code, bob.id, answer(2))
    classes.hide(started.code, started.key, tile.number)
    assert [t.answer for t in classes.wall(started.code, started.key).tiles] == [1]
    classes.answer(started.code, bob.id, answer(3))  # a new drawing shows again
    assert len(classes.wall(started.code, started.key).tiles) == 2
    refused("no_tile", classes.hide, started.code, started.key, 999)
    classes.clear(started.code, started.key)
    wall = classes.wall(started.code, started.key)
    assert wall.tiles == () and wall.students == 2
    classes.leave(started.code, ann.id)
    assert classes.wall(started.code, started.key).students == 1
    refused("not_in_class", classes.answer, started.code, ann.id, answer(1))
    classes.end(started.code, started.key)
    assert "has ended" in refused("class_ended", classes.wall, started.code, started.key)
    refused("class_ended", classes.answer, started.code, bob.id, answer(1))
    assert len(classes) == 0


def test_a_tile_never_shows_in_another_class(classes):
    first, second = classes.start(), classes.start()
    ann = classes.join(first.code)
    classes.answer(first.code, ann.id, answer(6))
    assert classes.wall(second.code, second.key).tiles == ()
    refused("not_in_class", classes.answer, second.code, ann.id, answer(6))
    assert classes.wall(second.code, second.key).tiles == ()
    refused("no_tile", classes.tile, second.code, second.key,
            classes.wall(first.code, first.key).tiles[0].number)


def test_fool_the_network_counts_fooling_drawings_not_rejected_or_not_digits(classes):
    started = classes.start()
    code, key = started.code, started.key
    kids = [classes.join(code) for _ in range(4)]
    refused("not_fool_round", classes.reject, code, key, 1)
    refused("bad_digit", classes.start_round, code, key, 12)
    refused("bad_seconds", classes.start_round, code, key, 4, True, 5)
    classes.start_round(code, key, 4, fool=True)
    fooler = classes.answer(code, kids[0].id, answer(7))
    classes.answer(code, kids[1].id, answer(4))
    classes.answer(code, kids[2].id, answer(9, not_a_digit=True))
    cheat = classes.answer(code, kids[3].id, answer(1))
    classes.reject(code, key, cheat.number)
    summary = classes.wall(code, key).summary
    assert summary.running and summary.fool and summary.digit == 4
    assert summary.drawings == 3 and summary.right == 1
    assert [(f.tile, f.answer) for f in summary.fooled] == [(fooler.number, 7)]
    classes.end_round(code, key)
    refused("no_round", classes.end_round, code, key)
    summary = classes.wall(code, key).summary
    # Fool-it drawings are made to look unlike the digit: not "hard", not in an average map.
    assert not summary.running and summary.hardest == () and summary.averages == ()
    # An ordinary round: the network misreads one 7 of two, so 7 is the class's hardest.
    classes.start_round(code, key, 7)
    classes.answer(code, kids[0].id, answer(7))
    classes.answer(code, kids[1].id, answer(1))
    classes.answer(code, kids[1].id, answer(2))  # only a student's latest drawing counts
    classes.end_round(code, key)
    summary = classes.wall(code, key).summary
    assert (summary.number, summary.right, summary.drawings) == (2, 1, 2)
    assert summary.fooled == () and summary.hardest == ((7, 1, 2),)
    assert [(a.digit, a.count) for a in summary.averages] == [(7, 2)]
    assert summary.averages[0].picture.shape == (tiles.MAP_SIDE, tiles.MAP_SIDE, 3)


def test_a_round_timer_ends_the_round(classes, clock):
    started = classes.start()
    ann, bob = classes.join(started.code), classes.join(started.code)
    classes.start_round(started.code, started.key, 3, seconds=30)
    classes.answer(started.code, ann.id, answer(3))
    clock.now += 10
    summary = classes.wall(started.code, started.key).summary
    assert summary.running and summary.seconds_left == 20
    assert classes.prompt(started.code)[1]
    clock.now += 25
    classes.answer(started.code, bob.id, answer(3))  # too late for the round
    summary = classes.wall(started.code, started.key).summary
    assert not summary.running and summary.drawings == 1
    assert not classes.prompt(started.code)[1]


def test_abandoned_classes_do_not_stay_in_memory(clock):
    """Many classes started and abandoned: the registry returns to its empty size."""
    classes = Classes(clock=clock, max_classes=50, idle_s=3600)
    assert len(classes) == 0
    for _ in range(20):
        for _ in range(50):
            started = classes.start()
            student = classes.join(started.code)
            classes.answer(started.code, student.id, answer(2))
        assert len(classes) == 50
        clock.now += 3601
    assert len(classes) == 0


def test_the_service_tells_the_class_of_a_students_answer_without_a_second_pass(untrained):
    """A tagged request's answer goes to ``on_answer`` (the one explanation the student got);
    an untagged one does not; a failing hook costs nobody their answer."""
    import json

    from cam_core.serve.service import Pad, Request, Service, Upload

    seven = json.dumps({"width": 400, "height": 400, "strokes": [
        {"tool": "pen", "size": 24, "points": [[110, 80], [290, 80], [170, 330]]}]})
    told = []
    service = Service(untrained, on_answer=lambda who, result, source: told.append(
        (who, result.digit, type(source).__name__)))
    passes = []
    explain_batch = untrained.explain_batch

    def counting(inputs, *args):
        passes.append(len(inputs))
        return explain_batch(inputs, *args)

    untrained.explain_batch = counting
    try:
        panels = service.explain_many([Request(Pad(seven), live=True, who="ann"),
                                       Request(Pad(seven), live=True),
                                       Request(Upload(None), live=True, who="bob")])
    finally:
        del untrained.explain_batch
    assert len(panels) == 3 and panels[0].answer == panels[1].answer
    assert passes == [3]  # one batched pass for all three; the hook made none
    assert [who for who, *_ in told] == ["ann", "bob"] and told[0][2] == "Pad"
    assert told[0][1] is not None and told[1][1] is None  # bob's upload was blank

    def broken(*_):
        raise RuntimeError("the wall is down")

    service.on_answer = broken
    answer_ = service.explain(Request(Pad(seven), live=True, who="ann"))
    assert answer_.answer  # the student still got their answer
