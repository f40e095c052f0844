"""The class wall as HTML, for a projector (1366×768 and 1920×1080): the tiles grouped by the
network's answer or by round, the header with the join link's QR code, the round's summary and a
tile's large view. Pictures go inline as ``data:`` URLs, from memory (nothing on disk). Every
nickname is escaped; every sentence comes from the catalog (``wall.*``).
"""

from __future__ import annotations

import html

from cam_core.serve import tiles
from cam_core.serve.catalog import say, say_list, sentences
from cam_core.serve.classes import Tile, Wall
from cam_core.serve.rounds import Summary

from . import classroom

BY_ANSWER, BY_ROUND = "answer", "round"
# Scoped to each wall component (gr.HTML's css_template).
CSS = """
.wall { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.wall-group { border: 2px solid #d0d4dc; border-radius: 10px; padding: 6px 8px; }
.wall-group h3 { margin: 0 0 6px; font-size: 1.25em; }
.wall-tiles { display: flex; flex-wrap: wrap; gap: 8px; }
.wall-tile { position: relative; margin: 0; width: 124px; cursor: pointer; }
.wall-tile img { width: 124px; height: 124px; display: block; border-radius: 6px;
  border: 1px solid #ccc; }
.wall-tile button.open { display: block; padding: 0; border: 0; background: none; }
.wall-tile figcaption { font-size: 0.95em; line-height: 1.2; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; }
.wall-tile.fooled img { outline: 4px solid #d1495b; }
.wall-tile button.hide { position: absolute; top: 3px; right: 3px; width: 26px; height: 26px;
  padding: 0; border-radius: 13px; border: 1px solid #999; background: rgba(255,255,255,0.85);
  font-size: 15px; line-height: 1; }
.wall-empty { font-size: 1.4em; padding: 1em; }
.wall-head { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
.wall-head h1 { margin: 0; font-size: 2.2em; letter-spacing: 0.1em; }
.wall-head .join { font-size: 1.3em; }
.wall-head .round { font-size: 1.4em; font-weight: bold; color: #d1495b; }
.wall-summary p { font-size: 1.2em; margin: 4px 0; }
.wall-summary .question { font-size: 1.4em; margin: 8px 0; }
.wall-summary .averages, .wall-large .maps { display: flex; flex-wrap: wrap; gap: 8px; }
.wall-summary figure, .wall-large figure { margin: 0; text-align: center; }
.wall-summary figure img { width: 120px; height: 120px; }
.wall-large figure img { width: 150px; height: 150px; }
.wall-qr { position: fixed; inset: 0; z-index: 1000; background: #fff; display: flex;
  flex-direction: column; align-items: center; justify-content: center; cursor: pointer; }
.wall-qr svg { width: min(78vh, 90vw); height: auto; }
.wall-qr p { font-size: 2.4em; margin: 0.3em; }
.wall-refused { font-size: 1.3em; color: #b00020; }
@media (min-width: 1800px) {
  .wall-tile, .wall-tile img { width: 160px; } .wall-tile img { height: 160px; }
}
"""
# Clicks inside the wall's HTML become one Gradio "click" event with what was clicked. A tile
# opened (by mouse, or Enter on its button) hands the keyboard's focus to the large view's
# Close button once it shows; Escape closes the view, and the focus goes back to the tile.
ON_CLICK = """element.addEventListener('click', (event) => {
  const hit = event.target.closest('[data-tile]');
  if (!hit) return;
  event.stopPropagation();
  const action = hit.dataset.action || 'open';
  trigger('click', {tile: Number(hit.dataset.tile), action});
  if (action !== 'open') return;
  window.wallOpened = hit.dataset.tile;  // its button gets the focus back on Close
  const started = Date.now();
  const focusClose = setInterval(() => {
    const close = document.querySelector('#wall-close');
    if (close && close.offsetParent) { close.focus(); clearInterval(focusClose); }
    else if (Date.now() - started > 10000) clearInterval(focusClose);
  }, 100);
});
if (!window.wallEscape) {
  window.wallEscape = true;
  document.addEventListener('keydown', (event) => {
    const close = document.querySelector('#wall-close');
    if (event.key === 'Escape' && close && close.offsetParent) close.click();
  });
  document.addEventListener('click', (event) => {
    if (!event.target.closest('#wall-close') || !window.wallOpened) return;
    const opened = window.wallOpened;
    setTimeout(() => document.querySelector(
      `#wall-grid button.open[data-tile="${opened}"]`)?.focus(), 300);
  });
}"""


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shown_probability(probability: float) -> float:
    """Never "100.0%" short of 1 (as the page's headline writes it)."""
    return min(probability, 0.999) if probability < 1 else 1.0


def _tile(tile: Tile, language: str, fooled: set[int], hide_label: str) -> str:
    # The picture is a button (a teacher without a mouse opens a tile with Tab and Enter).
    probability = _shown_probability(float(tile.probabilities[tile.answer]))
    answer = (say(language, "wall.group_not_digit") if tile.not_a_digit
              else say(language, "answers.sure", digit=tile.answer, p=probability))
    classes = "wall-tile fooled" if tile.number in fooled else "wall-tile"
    open_label = say(language, "wall.open_maps", nickname=tile.nickname)
    return (f"<figure class='{classes}'><button class='open' data-tile='{tile.number}' "
            f"data-action='open' aria-label='{_escape(open_label)}'>"
            f"<img src='{tiles.data_url(tile.picture)}' alt='{_escape(tile.nickname)}'></button>"
            f"<figcaption><b>{_escape(answer)}</b><br>{_escape(tile.nickname)}</figcaption>"
            f"<button class='hide' data-tile='{tile.number}' data-action='hide' "
            f"title='{_escape(hide_label)}'"
            f" aria-label='{_escape(hide_label)} {_escape(tile.nickname)}'>×</button></figure>")


def _groups(wall: Wall, language: str, by: str) -> list[tuple[str, list[Tile]]]:
    if by == BY_ROUND:
        rounds = sorted({(t.round, t.asked) for t in wall.tiles if t.round}, reverse=True)
        groups = [(say(language, "wall.group_round", number=number) + f" · {asked}",
                   [t for t in wall.tiles if t.round == number]) for number, asked in rounds]
        return [*groups, (say(language, "wall.group_other"),
                          [t for t in wall.tiles if not t.round])]
    groups = [(say(language, "wall.group_answer", digit=digit),
               [t for t in wall.tiles if t.answer == digit and not t.not_a_digit])
              for digit in range(10)]
    return [*groups, (say(language, "wall.group_not_digit"),
                      [t for t in wall.tiles if t.not_a_digit])]


def wall_html(wall: Wall, language: str, by: str = BY_ANSWER, hide_label: str = "Hide") -> str:
    """The tiles, grouped (``by`` the network's answer, or by round), each group with its
    count; the drawings that fooled the network in a fool-it round outlined in red."""
    if not wall.tiles:
        return f"<div class='wall-empty'>{_escape(say(language, 'wall.empty'))}</div>"
    summary = wall.summary
    fooled = {f.tile for f in summary.fooled} if summary else set()
    parts = []
    for title, members in _groups(wall, language, by):
        if members:
            count = say(language, "wall.drawings", count=len(members))
            parts.append(f"<section class='wall-group'><h3>{_escape(title)} · "
                         f"{_escape(count)}</h3><div class='wall-tiles'>"
                         + "".join(_tile(t, language, fooled, hide_label) for t in members)
                         + "</div></section>")
    return "<div class='wall'>" + "".join(parts) + "</div>"


def qr_svg(url: str, scale: int = 4) -> str:
    """The QR code of ``url`` as inline SVG (drawn here, nothing fetched)."""
    return classroom.qr_code(url).svg_inline(scale=scale, border=2, dark="#000", light="#fff",
                                             title=url)


def header_html(wall: Wall, language: str, student_url: str) -> str:
    """The wall's top line: the class code large, the join link with a small QR code, how many
    students joined, and the running round with its seconds left."""
    summary = wall.summary
    line = ""
    if summary and summary.running:
        key = "wall.fool_running" if summary.fool else "wall.round_running"
        line = say(language, key, number=summary.number, digit=summary.digit)
        if summary.seconds_left is not None:
            line += " " + say(language, "wall.seconds_left", count=summary.seconds_left)
    link = _escape(student_url)
    join = _escape(say(language, "wall.join_line", url="\x00")).replace(
        "\x00", f"<a href='{link}' target='_blank'>{link}</a>")
    return (f"<div class='wall-head'><div>{qr_svg(student_url, 2)}</div><div>"
            f"<h1>{_escape(say(language, 'wall.wall_title', code=wall.code))}</h1>"
            f"<div class='join'>{join} · "
            f"{_escape(say(language, 'wall.students', count=wall.students))}</div>"
            f"<div class='round'>{_escape(line)}</div></div></div>")


def summary_html(summary: Summary | None, language: str, reject_label: str = "Reject") -> str:
    """A round's results: drawings read right, the drawings that fooled the network (each with
    a reject button), the class's hardest digits and its average map of each digit."""
    if summary is None:
        return ""

    def line(key: str, **values: object) -> str:
        return f"<p>{_escape(say(language, f'wall.{key}', **values))}</p>"

    parts = [line("right", right=summary.right, count=summary.drawings, digit=summary.digit)]
    if summary.fool and summary.fooled:
        said = [say(language, "wall.fooled_one", nickname=f.nickname, answer=f.answer,
                    p=_shown_probability(f.probability)) for f in summary.fooled]
        parts.append(line("fooled", count=len(summary.fooled)) + "<ul>" + "".join(
            f"<li>{_escape(words)} <button data-tile='{f.tile}' data-action='reject'>"
            f"{_escape(reject_label)}</button></li>"
            for f, words in zip(summary.fooled, said, strict=True))
            + "</ul>")
    elif summary.fool:
        parts.append(line("fooled_none"))
    if not summary.running:
        parts.append(_question(summary, language))
        if summary.hardest:
            digits = say_list(language, [say(language, "wall.hardest_one", digit=d, right=r,
                                                 total=n) for d, r, n in summary.hardest])
            parts.append(line("hardest", digits=digits))
        else:
            parts.append(line("hardest_none"))
        parts.append("<div class='averages'>" + "".join(
            f"<figure><img src='{tiles.data_url(a.picture)}' alt=''><figcaption>"
            f"{_escape(say(language, 'wall.average', digit=a.digit, count=a.count))}"
            f"</figcaption></figure>" for a in summary.averages) + "</div>")
    return "<div class='wall-summary'>" + "".join(parts) + "</div>"


def _question(summary: Summary, language: str) -> str:
    """The lesson's question for the class under a finished round (docs/lesson.md): how they
    fooled the network; or which drawings it missed (if any) and where its average map looks."""
    if summary.fool:
        asked = [say(language, "wall.question_fool")]
    else:
        asked = [say(language, "wall.question_average", digit=summary.digit)]
        if summary.right < summary.drawings:
            asked.insert(0, say(language, "wall.question_round", digit=summary.digit))
    return (f"<p class='question'><b>{_escape(say(language, 'wall.question_label'))}</b> "
            + _escape(sentences(language, asked)) + "</p>")


def large_html(tile: Tile, language: str) -> str:
    """A tile's large view: its picture and its ten class maps on one scale."""
    answer = (say(language, "wall.group_not_digit") if tile.not_a_digit else str(tile.answer))
    maps = tiles.ten_maps(tile.model_input, tile.class_cams, tile.probabilities, language)
    words = say(language, "wall.large_view", nickname=tile.nickname, answer=answer)
    return (f"<div class='wall-large'><p>{_escape(words)}</p>"
            f"<div class='maps'><figure><img src='{tiles.data_url(tile.picture)}' alt=''>"
            f"</figure>" + "".join(
                f"<figure><img src='{tiles.data_url(picture)}' alt='{_escape(caption)}'>"
                f"<figcaption>{_escape(caption)}</figcaption></figure>"
                for picture, caption in maps) + "</div></div>")


def qr_page_html(url: str) -> str:
    """The join link's QR code over the whole screen, with the link under it (a click
    closes it)."""
    return f"<div class='wall-qr'>{qr_svg(url, 10)}<p>{_escape(url)}</p></div>"


def refused_html(sentence: str) -> str:
    """A refusal (wrong code, missing key) as the page shows it."""
    return f"<p class='wall-refused'>{_escape(sentence)}</p>"
