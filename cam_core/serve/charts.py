"""A chart as the reader sees it: its data with the names of its lines or bars, its axis
titles and its colours, all in the reader's language (``charts.*`` in the catalog); and the
name of a map ("Grad-CAM on layer4"), said the same way.

A chart's words are data, not fixed labels: the page's plot takes them with each result
(``ui/charts.py``), so a German reader's chart reads German on its axes, in its tooltips and in
its colours' names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cam_core.serve.catalog import say


@dataclass(frozen=True)
class Chart:
    """One chart's data and words.

    Attributes:
        frame: the rows to plot (columns as the page's plot names them: ``x``, ``y`` and
            ``color`` fixed when the page is built; their *values* are in the reader's
            language where a person reads them).
        x_title, y_title: the axis titles, in the reader's language.
        colour: the name of the colour column (what the tooltips and the legend call it:
            ``charts.line`` or ``charts.bar``, in the reader's language).
        colours: each value of the plot's colour column → its colour (``"#d1495b"``), keyed
            by the translated names; empty when the plot picks its own colours.
    """

    frame: pd.DataFrame
    x_title: str
    y_title: str
    colour: str
    colours: dict[str, str] = field(default_factory=dict)


def map_name(method: str, layer: str, language: str = "en") -> str:
    """A map by its method's label and its layer, as a sentence names it: ``"Grad-CAM on
    layer4"`` (``"Grad-CAM auf layer4"`` in German). Method and layer names are proper names
    and stay as they are."""
    return say(language, "charts.map_name", method=method, layer=layer)


def line(language: str = "en") -> str:
    """The colour column's name in a line chart ("line"), in ``language``."""
    return say(language, "charts.line")


def bar(language: str = "en") -> str:
    """The colour column's name in a bar chart ("bar"), in ``language``."""
    return say(language, "charts.bar")


def kinds(language: str, keys: dict[str, str]) -> dict[str, str]:
    """``keys`` (catalog key under ``charts.`` → colour) as translated name → colour."""
    return {say(language, f"charts.{key}"): colour for key, colour in keys.items()}
