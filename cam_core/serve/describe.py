"""The heatmap in words, for people who cannot see it (a screen reader's alt text and live
region) and for everyone as a caption: where the class activation map puts the evidence, in
the drawing's own terms ("Most of the evidence for 7 is at the top, on your lines. Some is on
the right side, on the empty paper.").

Only what the numbers show. The map is read on the 28×28 model input, where the ink is known
exactly. The digit's box (the ink's bounding box, widened to at least half as wide as it is
tall and the other way round, so that a 1 still has a left and a right) is cut into thirds
across and down: nine regions. A pixel outside the box counts for the region it lies beyond
(the paper right of a 1's stem is "on the right side"). Each region's share of the map's
*evidence* (the map's bright half: ``max(m - 0.5, 0)`` of the min–max map ``m``, so a region
is not named only for its size) is summed, and split into ink and empty paper.

Also the bar chart as text (:func:`probability_table`), the map's colour key
(:func:`legend`) and what a screen reader says of each answer (:func:`spoken`). No Gradio
here; the sentences come from the catalog (``locales/<language>/describe.toml``,
``access.toml``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from cam_core.explain import render
from cam_core.explain.engine import Explanation
from cam_core.serve.catalog import say, sentences

ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")
INK_LEVEL = 64  # a model-input pixel (0–255) at or above this is ink
EVIDENCE_FLOOR = 0.5  # the map's bright half is the evidence (min–max map, 0–1)
FLAT = 1e-6  # a raw map whose range is under this is flat: it points at nothing
MOST = 0.5  # one region (or two) holding this share of the evidence is "most of" it
SOME = 0.15  # a further region with this share is named as "some"
ON_INK, ON_PAPER = 0.6, 0.35  # shares of a region's evidence on ink: "lines" / "paper"
LINE_PART = 0.15  # a row or column is named whole when each of its regions has this share of it


@dataclass(frozen=True)
class Region:
    """One of the nine parts of the digit's box and the evidence in it.

    Attributes:
        name: ``"<row>_<column>"`` (``top_left`` … ``bottom_right``), a catalog key.
        share: this region's share of the whole map's evidence, in [0, 1].
        on_ink: the share of this region's evidence that lies on ink, in [0, 1].
    """

    name: str
    share: float
    on_ink: float


def regions(unit_map: np.ndarray, model_input: np.ndarray) -> list[Region]:
    """The nine regions of the digit's box, most evidence first.

    Args:
        unit_map: ``(28, 28)`` float in [0, 1], the map over the model input, min–max scaled
            (``Explanation.cam_model`` for a non-diverging colour map).
        model_input: ``(28, 28)`` uint8, white ink on black (``Explanation.model_input``).

    Returns: nine :class:`Region` sorted by ``share``, largest first; all shares 0 when the
    map has no evidence or there is no ink.

    Raises: ValueError when the two arrays differ in shape or are not 2-D.
    """
    unit_map = np.asarray(unit_map, np.float64)
    ink = np.asarray(model_input) >= INK_LEVEL
    if unit_map.ndim != 2 or unit_map.shape != ink.shape:
        raise ValueError(f"the map and the model input must be the same 2-D shape, got "
                         f"{unit_map.shape} and {ink.shape}")
    evidence = np.clip(unit_map - EVIDENCE_FLOOR, 0.0, None)
    total = float(evidence.sum())
    rows, columns = _thirds(ink)
    found = []
    for r, row in enumerate(ROWS):
        for c, column in enumerate(COLUMNS):
            cell = (rows == r)[:, None] & (columns == c)[None, :]
            mass = float(evidence[cell].sum())
            found.append(Region(f"{row}_{column}", mass / total if total > 0 else 0.0,
                                float(evidence[cell & ink].sum()) / mass if mass > 0 else 0.0))
    return sorted(found, key=lambda region: -region.share)


def _thirds(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel row's and column's third (0, 1, 2) of the digit's widened box."""
    height, width = ink.shape
    ys, xs = np.nonzero(ink)
    if not len(ys):
        ys, xs = np.array([0, height - 1]), np.array([0, width - 1])
    top, bottom, left, right = ys.min(), ys.max() + 1.0, xs.min(), xs.max() + 1.0
    tall, wide = bottom - top, right - left
    if wide < tall / 2:  # a 1: its thirds across are the paper left of it, it, the paper right
        left, right = (left + right - tall / 2) / 2, (left + right + tall / 2) / 2
    elif tall < wide / 2:  # a dash: likewise above and below
        top, bottom = (top + bottom - wide / 2) / 2, (top + bottom + wide / 2) / 2

    def third(centres: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.clip(((centres - low) / (high - low) * 3).astype(int), 0, 2)

    return (third(np.arange(height) + 0.5, top, bottom),
            third(np.arange(width) + 0.5, left, right))


def _on(language: str, share_on_ink: float) -> str:
    if share_on_ink >= ON_INK:
        return say(language, "describe.on_ink")
    if share_on_ink <= ON_PAPER:
        return say(language, "describe.on_paper")
    return say(language, "describe.on_both")


def _where(language: str, region: Region) -> str:
    return say(language, f"describe.region.{region.name}")


def _line(ranked: list[Region]) -> tuple[str, list[Region]] | None:
    """The row or column of the box that holds ``MOST`` of the evidence with some in each of
    its three regions (a 7's top bar): its catalog key and its regions; None when none does."""
    best = None
    for index, part in [(0, row) for row in ROWS] + [(1, column) for column in COLUMNS]:
        cells = [r for r in ranked if r.name.split("_")[index] == part]
        share = sum(r.share for r in cells)
        if share >= MOST and min(r.share for r in cells) >= LINE_PART * share and (
                best is None or share > best[0]):
            best = share, f"describe.line.{part}", cells
    return None if best is None else best[1:]


def _on_all(language: str, cells: list[Region]) -> str:
    """:func:`_on` of several regions' evidence together."""
    share = sum(r.share for r in cells)
    return _on(language, sum(r.share * r.on_ink for r in cells) / share if share else 0.0)


def describe_map(unit_map: np.ndarray, model_input: np.ndarray, digit: int,
                 language: str = "en") -> str:
    """One or two sentences saying where ``unit_map`` puts the evidence for ``digit``.

    The first says where most of it is: one region holding ``MOST`` of the evidence, else a
    whole row or column holding it with some in each of its regions ("across the top"), else
    two regions, else the strongest region of a spread-out map. The second names the next
    region holding at least ``SOME`` of it. Each place says whether that evidence lies on the
    ink ("on your lines"), on the empty paper, or on both.

    Args: as :func:`regions`; ``digit`` 0–9, the class the map explains; ``language`` a
    catalog's language code.

    Returns: e.g. "Most of the evidence for 7 is across the top, on your lines. Some is on the
    right side, on the empty paper."; the catalog's ``describe.flat`` when the map has no
    evidence anywhere.
    """
    ranked = regions(unit_map, model_input)
    first = ranked[0]
    if first.share <= 0:
        return say(language, "describe.flat", digit=digit)
    line = _line(ranked)
    if first.share >= MOST:
        named = [first]
        text = say(language, "describe.most", digit=digit, where=_where(language, first),
                   on=_on(language, first.on_ink))
    elif line is not None:
        key, named = line
        text = say(language, "describe.most", digit=digit, where=say(language, key),
                   on=_on_all(language, named))
    elif first.share + ranked[1].share >= MOST:
        named = ranked[:2]
        text = say(language, "describe.most_two", digit=digit, where=_where(language, first),
                   where2=_where(language, ranked[1]), on=_on_all(language, named))
    else:
        named = [first]
        text = say(language, "describe.spread", digit=digit, where=_where(language, first),
                   on=_on(language, first.on_ink))
    further = next(r for r in ranked if r not in named)
    if further.share >= SOME:
        text = sentences(language, [text, say(language, "describe.some",
                                              where=_where(language, further),
                                              on=_on(language, further.on_ink))])
    return text


def describe(result: Explanation, language: str = "en") -> str:
    """The heatmap of ``result`` in words (:func:`describe_map`); for a blank input the
    catalog's ``describe.blank``; "" for a refused one (its message says why).

    The map is read from ``result.target_map`` scaled min–max and brought to 28×28 as the
    engine does for ``cam_model``, so the words do not depend on the colour map chosen (a
    diverging one centres ``cam_model`` on zero instead).
    """
    if result.digit is None or result.target is None:
        # Refused input (a speck, a damaged file) has its own message saying what to do; a
        # second sentence saying "nothing is drawn" would contradict it.
        key = getattr(result.message, "key", None)
        refused = key != "inputs.blank" if key else bool(result.message)
        return "" if refused else say(language, "describe.blank")
    raw = np.asarray(result.target_map, np.float32)
    if float(raw.max() - raw.min()) < FLAT:
        return say(language, "describe.flat", digit=result.target)
    unit = render.feature_to_model(render.normalize_map(raw, "per_map"),
                                   result.model_input.shape)
    return describe_map(unit, result.model_input, result.target, language)


def probability_table(probabilities: np.ndarray, digit: int | None,
                      language: str = "en") -> str:
    """The bar chart as an HTML table (digit, how sure), for screen readers and as a text
    equivalent of the chart: ten rows 0–9, the predicted ``digit``'s row marked with
    ``class="predicted"``; "" when nothing is drawn (``digit`` None).

    Args: ``probabilities`` ``(10,)`` float in [0, 1]; ``digit`` 0–9 or None.
    """
    if digit is None:
        return ""
    rows = []
    for d, p in enumerate(np.asarray(probabilities, np.float64)):
        marked = " class='predicted'" if d == digit else ""
        sure = html.escape(say(language, "describe.chart.percent", p=float(p)))
        rows.append(f"<tr{marked}><th scope='row'>{d}</th><td>{sure}</td></tr>")
    return (f"<table class='chart-table'><caption>"
            f"{html.escape(say(language, 'describe.chart.caption'))}</caption><thead><tr>"
            f"<th scope='col'>{html.escape(say(language, 'describe.chart.digit'))}</th>"
            f"<th scope='col'>{html.escape(say(language, 'describe.chart.probability'))}</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def spoken(result: Explanation, language: str = "en") -> str:
    """What a screen reader says of an answer before the map's words (:func:`describe`): the
    digit and how sure, or that it is a guess; for a blank input its message (what to do, or
    "" for none). Plain text."""
    if result.digit is None:
        return result.message
    key = "access.spoken_guess" if result.not_a_digit else "access.spoken_sure"
    sure = float(result.probabilities[result.digit])
    return say(language, key, digit=result.digit, p=min(sure, 0.999) if sure < 1 else sure)


LEGEND_STOPS = 11  # colours sampled along the colour map for the key's CSS gradient


def legend(colormap: str = "viridis", language: str = "en") -> str:
    """The heatmap's colour key as HTML: a bar with ``colormap``'s colours (a CSS gradient of
    ``LEGEND_STOPS`` colours from :func:`cam_core.explain.render.colorize`, so it matches the
    pictures) between its words: "less evidence" … "more evidence", or for a diverging map
    "evidence against" … "none" … "evidence for". Hidden from screen readers (the map's words
    say where the evidence is); shown for everyone who reads colours.

    Raises: ValueError for an unknown colour map.
    """
    colours = render.colorize(np.linspace(0.0, 1.0, LEGEND_STOPS)[None, :], colormap)[0]
    stops = ", ".join(f"rgb({r}, {g}, {b})" for r, g, b in colours)
    if colormap in render.DIVERGING:
        words = ["legend_against", "legend_none", "legend_for"]
    else:
        words = ["legend_less", "legend_more"]
    labels = "".join(f"<span>{html.escape(say(language, f'access.{w}'))}</span>" for w in words)
    return (f"<div class='map-legend' aria-hidden='true'><div class='map-legend-bar' "
            f"style='background: linear-gradient(to right, {stops})'></div>"
            f"<div class='map-legend-words'>{labels}</div></div>")
