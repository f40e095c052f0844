"""A chart in the reader's language, as a Gradio plot takes it.

A Gradio plot's axis titles and colour map are fixed when the page is built and its front end
does not translate them (``gr.I18n`` reaches labels, not a plot's titles), so each result
brings them along: the plot's data, its axis titles and its colours keyed by the translated
names of its lines or bars (:class:`cam_core.serve.charts.Chart`).
"""

from __future__ import annotations

import gradio as gr

from cam_core.serve.charts import Chart


def plotted(chart: Chart) -> dict:
    """The update that shows ``chart`` on a ``gr.LinePlot`` / ``gr.BarPlot``: its frame, its
    axis titles, its colour column's name and (where it names them) its colours."""
    props = {"value": chart.frame, "x_title": chart.x_title, "y_title": chart.y_title,
             "color": chart.colour}
    if chart.colours:
        props["color_map"] = chart.colours
    return gr.update(**props)
