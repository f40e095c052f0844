"""The page's callbacks: widget values → a :mod:`cam_core.serve.service` request → widget values.

Each is a few lines: the rules (CAM's layer, Score-CAM waiting for Explain, batching, retries,
which errors a person may read) are the service's. The live handlers are batched: Gradio
hands them a list per input (one item per person) and takes a list per output.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr
import numpy as np

from cam_core.errors import PersonError
from cam_core.explain.methods import METHODS, reporting_progress, reporting_waiting
from cam_core.serve import catalog, hiding, sanity, teaching, trust, views
from cam_core.serve.charts import map_name
from cam_core.serve.service import (
    LOG,
    PREDICTION,
    SERVER_ERROR,
    Pad,
    Request,
    Service,
    Settings,
    Upload,
    layer_for,
)

from . import language as page_language
from .charts import plotted
from .pad import PadHeat

WHY_TAB = page_language.label("why_tab")  # the contrast tab's title before it has digits
RUNNER_UP = "runner-up"  # the contrast's "and not" choice: the network's second guess

MAP_SIZES = {"layer2": "14×14", "layer3": "7×7", "layer4": "7×7"}
WARNING_SECONDS = 4  # a warning toast goes before the next result is likely to be read
EXPLAIN_IS_FOR_SLOW_MAPS = catalog.say("en", "answers.explain_is_for_slow_maps")

# headline, chart, overlay, model view, the map in words, the chart as a table (and, for the
# pad, the heatmap on its paper)
Outputs = tuple[str, Any, np.ndarray, np.ndarray, str, str, dict]


def layer_note(method: str) -> str:
    """The Layer control's usual note: the layers ``method`` works on and its map's size."""
    chosen = METHODS.get(method, METHODS["cam"])
    return f"{chosen.label}: " + ", ".join(f"{layer} ({MAP_SIZES[layer]})"
                                            for layer in chosen.layers)


LAYER_INFO = layer_note("cam")  # the note beside the Layer control at the start


def _source(source: str, pad: str | None, upload: str | None) -> Pad | Upload:
    """The input on screen: the pad's strokes on the Draw tab, else the upload."""
    return Pad(pad) if source == "draw" else Upload(upload)


def _on_pad(pad: str | None, panels: views.Panels) -> dict:
    """The value for the pad's paper: the heatmap and the short answer of ``panels``, tagged
    with the drawing ``pad`` they explain."""
    return PadHeat.of(pad, panels.heat, panels.answer, panels.answer_is_guess)


def _row(panels: views.Panels, source: str, pad: str | None) -> Outputs:
    """One person's outputs; the pad's heatmap only for a drawing (an upload leaves it)."""
    heat = _on_pad(pad, panels) if source == "draw" else gr.update()
    return (panels.headline, panels.chart, panels.overlay, panels.model_view, panels.words,
            panels.table, heat)


def _columns(panels: Sequence[views.Panels]) -> tuple[list, ...]:
    """The outputs of a batch, one list per output (as :func:`_row` orders them)."""
    return ([p.headline for p in panels], [p.chart for p in panels],
            [p.overlay for p in panels], [p.model_view for p in panels],
            [p.words for p in panels], [p.table for p in panels])


def _guarded(empty: Any) -> Callable:
    """A teaching view's handler whose failure becomes a notice (and ``empty`` outputs, or
    ``empty(language)`` when it is callable), never a traceback: a PersonError's own message,
    else the generic one (logged); in the handler's ``language`` argument's language."""
    def decorate(handler: Callable) -> Callable:
        signature = inspect.signature(handler)

        @functools.wraps(handler)
        def run(*args: Any) -> Any:
            language = signature.bind(*args).arguments.get("language", catalog.REFERENCE)
            try:
                return handler(*args)
            except PersonError as error:
                gr.Warning(catalog.told(language, error.message), duration=WARNING_SECONDS)
            except Exception as error:
                LOG.error("teaching view failed", exc_info=error)
                gr.Warning(catalog.told(language, SERVER_ERROR), duration=WARNING_SECONDS)
            return empty(language) if callable(empty) else empty
        return run
    return decorate


class Handlers:
    """The callbacks of one page, over one :class:`~cam_core.serve.service.Service`."""

    def __init__(self, service: Service) -> None:
        self.service = service

    # ------------------------------------------------------------------ the main view

    def on_draw(self, pads, targets, methods, layers, opacities, colormaps, grids,
                members=None, languages=None):
        """A pen-up on the pad (batched): explain each person's strokes as they stand, in
        each person's language (English when not given); the heatmap for the pad's paper
        too. ``members``: each person's class membership (or None): the service hands their
        answer on to the class wall."""
        panels = self._panels([Pad(p) for p in pads], languages, targets, methods, layers,
                              opacities, colormaps, grids, members=members)
        return (*_columns(panels),
                [_on_pad(pad, p) for pad, p in zip(pads, panels, strict=True)])

    def on_upload(self, uploads, targets, methods, layers, opacities, colormaps, grids,
                  members=None, languages=None):
        """A new upload (batched): explain each person's file, in each person's language
        (``members``: as on_draw)."""
        return _columns(self._panels([Upload(u) for u in uploads], languages, targets,
                                     methods, layers, opacities, colormaps, grids,
                                     members=members))

    def _panels(self, sources: list[Pad | Upload], languages: list[str] | None,
                *controls: list, members: list | None = None) -> list[views.Panels]:
        languages = languages or [catalog.REFERENCE] * len(sources)
        members = members or [None] * len(sources)
        requests = [Request(source, Settings(*settings), live=True, who=member,
                            language=language)
                    for source, language, member, *settings in zip(sources, languages, members,
                                                                   *controls, strict=True)]
        return self.service.explain_many(requests)

    def on_explain(self, source, pad, upload, target, method, layer, opacity, colormap,
                   grid=False, language="en",
                   progress=gr.Progress()) -> Outputs:  # noqa: B008 (Gradio's)
        """Explain pressed: the input on screen with every control as set, Score-CAM too.
        A Score-CAM run reports its progress (channels scored) to the page as it goes."""
        settings = Settings(target, method, layer, opacity, colormap, grid)
        label = METHODS[method].label if method in METHODS else method
        if method in METHODS and METHODS[method].live:
            # Nothing on screen changes: say why, rather than let the button seem broken.
            gr.Info(catalog.say(language, "answers.explain_is_for_slow_maps"),
                    duration=WARNING_SECONDS)

        def report(done: int, total: int) -> None:
            progress((done, total), desc=catalog.say(language, "answers.progress",
                                                     method=label),
                     unit=catalog.say(language, "answers.progress_unit"))

        def waiting(place: int, seconds: float) -> None:
            progress(0, desc=catalog.say(language, "answers.in_line", method=label,
                                         place=place, seconds=max(1, round(seconds))))

        with reporting_progress(report), reporting_waiting(waiting):
            panels = self.service.explain(Request(_source(source, pad, upload), settings,
                                                  language=language))
        return _row(panels, source, pad)

    def on_tab(self, chosen, source, pad, upload, target, method, layer, opacity, colormap,
               grid=False, language="en") -> tuple:
        """A tab chosen (``chosen``: "draw" or "upload"): the new source, and its input's
        answer (:meth:`on_setting`). The tab already on screen changes nothing: the keyboard
        selects a tab as Tab passes over it, and an answer for the pad as it was then could
        land after the answer to a drawing made a moment later."""
        if chosen == source:
            return (gr.skip(),) * 8
        return (chosen, *self.on_setting(chosen, pad, upload, target, method, layer, opacity,
                                         colormap, grid, language))

    def on_setting(self, source, pad, upload, target, method, layer, opacity,
                   colormap, grid=False, language="en") -> Outputs:
        """A control moved or a tab was chosen: the input on screen again (the engine's cache
        skips the model); a slow method's map not yet computed waits for Explain."""
        settings = Settings(target, method, layer, opacity, colormap, grid)
        return _row(self.service.explain(Request(_source(source, pad, upload), settings,
                                                 live=True, language=language)), source, pad)

    @staticmethod
    def on_load(request: gr.Request) -> str:
        """The page opened: the language it asked for (``?lang=``, else the browser's), for
        the chooser; the chooser's change then says everything in it."""
        return page_language.language_of(request)

    def on_language(self, language, source, pad, upload, target, method, layer, opacity,
                    colormap, grid=False) -> tuple:
        """A language chosen (or found when the page loaded): kept for this page, and what
        the server wrote on it said again in that language (the answer, the Layer note); the
        answer's chart emptied, for :meth:`answer_chart` to draw afresh."""
        language = language if language in catalog.LANGUAGES else catalog.REFERENCE
        headline, _, *shown = self.on_setting(source, pad, upload, target, method, layer,
                                              opacity, colormap, grid, language)
        return (language, headline, None, *shown, self.layer_rule(method, layer, language))

    def answer_chart(self, source, pad, upload, target, method, layer, opacity, colormap,
                     grid=False, language="en") -> dict:
        """The answer's chart in ``language``: its bars, axis titles and bar names. Only the
        probabilities are needed (the same for every method and layer: CAM of the prediction,
        from the engine's cache), not the answer's pictures again."""
        try:
            _, result = self.service.current(_source(source, pad, upload))
            frame = views.probability_frame(result.probabilities, result.digit, language)
        except PersonError:  # nothing drawn, or unreadable: no bars
            frame = views.probability_frame(np.zeros(10), None, language)
        return plotted(dataclasses.replace(views.answer_chart(language), frame=frame))

    @staticmethod
    def explain_shown(method: str) -> dict:
        """Explain is shown only while a map waits for it: a slow method (Score-CAM)."""
        return gr.update(visible=method in METHODS and not METHODS[method].live)

    @staticmethod
    def layer_rule(method: str, layer: str, language: str = "en") -> dict:
        """The Layer control after a person chose a method or a layer: a layer the method
        does not work on is changed to one it does, and the control says so in its note
        (in ``language``), highlighted (class ``layer-switched``), so it never names a layer
        the map is not from; otherwise the note lists the method's layers."""
        chosen, why = layer_for(method, layer, language)
        if why:
            return gr.update(value=chosen, info=why, elem_classes=["layer-switched"])
        return gr.update(info=layer_note(method), elem_classes=[])

    # ------------------------------------------------------------------ teaching views

    @_guarded(empty=[])
    def ten_maps(self, source, pad, upload, scale: str, colormap: str, language="en") -> list:
        """All ten class maps of the input on screen as gallery tiles."""
        _, result = self.service.current(_source(source, pad, upload))
        return teaching.class_map_tiles(result, scale,
                                        "coolwarm" if scale == "signed" else colormap, language)

    @_guarded(empty=(gr.update(), None, "", ""))
    def why_not(self, source, pad, upload, first: str, second: str, language="en") -> tuple:
        """Contrast map CAM[first] − CAM[second], the tab titled with the two digits
        ("Why 7 and not 1?"), the words for students and for teachers."""
        prepared, result = self.service.current(_source(source, pad, upload))
        first_digit = result.digit if first == PREDICTION else int(first)
        second_digit = (teaching.runner_up(result, first_digit) if second == RUNNER_UP
                        else int(second))
        if first_digit == second_digit:
            raise PersonError(key="answers.two_different_digits")
        picture, words = teaching.contrast(result, prepared, first_digit, second_digit,
                                           language=language)
        return (gr.update(label=teaching.why_title(first_digit, second_digit, language)), picture,
                words.student, words.teachers)

    def why_open(self, source, pad, upload, first: str, second: str, language="en") -> tuple:
        """The contrast tab opened: answered at once, titled with the real digits; with nothing
        drawn yet it stays quiet (no warning for just looking at a tab)."""
        try:
            blank = self.service.read(_source(source, pad, upload)).blank
        except Exception:
            blank = False  # why_not says what is wrong with the input
        if blank:
            return gr.update(), None, "", ""
        return self.why_not(source, pad, upload, first, second, language)

    @_guarded(empty=(None, "", "", []))
    def hide(self, source, pad, upload, percent: float, method: str, layer: str,
             language="en") -> tuple:
        """Hide the evidence (ROAD) for the predicted digit, following the map of the
        Controls' method and layer: the three curves, their words, what the network saw."""
        _, result = self.service.current(_source(source, pad, upload),
                                         Settings(PREDICTION, method, layer))
        curves = hiding.hide_evidence(self.service.explainer, result, percent / 100)
        words = hiding.hiding_words(
            curves, map_name(METHODS[result.method].label, result.layer, language), language)
        return (plotted(hiding.hiding_chart(curves, language)), words.student, words.teachers,
                hiding.hiding_tiles(curves, language=language))

    @_guarded(empty=(None, "", ""))
    def trust(self, source, pad, upload, method: str, layer: str, language="en") -> tuple:
        """Every live method's ROAD score on the input on screen (and the Controls' choice),
        against a random map: a bar chart and its words."""
        prepared, _ = self.service.current(_source(source, pad, upload))
        layer, _ = layer_for(method, layer)
        rows = trust.trust_by_method(self.service.explainer, prepared,
                                        include=(method, layer))
        words = trust.trust_words(rows, (METHODS[method].label, layer), language)
        return plotted(trust.trust_chart(rows, language)), words.student, words.teachers

    @_guarded(empty=(None, "", "", []))
    def scramble(self, source, pad, upload, method: str, layer: str, language="en") -> tuple:
        """Scramble the network (the sanity check of Adebayo et al. 2018) for the predicted
        digit's map of the Controls' method and layer: how alike the map stays as a line
        chart, its words, and the maps."""
        sanity.check_method(method)
        _, result = self.service.current(_source(source, pad, upload),
                                         Settings(PREDICTION, method, layer))
        checked = sanity.scramble(self.service.explainer, result)
        words = sanity.scramble_words(
            checked, map_name(METHODS[result.method].label, result.layer, language), language)
        return (plotted(sanity.scramble_chart(checked, language)), words.student,
                words.teachers, sanity.scramble_tiles(checked, result.model_input,
                                                      language=language))

    @_guarded(empty=[])
    def layers(self, source, pad, upload, method: str, colormap: str, language="en") -> list:
        """The chosen method's maps of layer2, layer3 and layer4 side by side."""
        prepared, _ = self.service.current(_source(source, pad, upload))
        return teaching.layer_comparison(self.service.explainer, prepared, method,
                                         colormap=colormap, language=language)

    @_guarded(empty=lambda language: (catalog.say(language, "answers.draw_first"), ""))
    def numbers(self, source, pad, upload, target: str, language="en") -> tuple[str, str]:
        """How the heatmap is made, with the current drawing's own numbers (Markdown for
        students, and for teachers)."""
        _, result = self.service.current(_source(source, pad, upload), Settings(target))
        words = teaching.how_it_works(self.service.explainer, result, language=language)
        return words.student, words.teachers

    # ------------------------------------------------------------------ the API

    def explain(self, image: list[str | None], target: list[str], method: list[str],
                layer: list[str], colormap: list[str], opacity: list[float],
                ) -> tuple[list[dict], list[np.ndarray | None]]:
        """Classify a picture of a handwritten digit and show where a ResNet34 found the
        evidence (a class activation map).

        Args:
            image: an image file of one digit (PNG, JPEG, …; a photo or a drawing).
            target: the class whose evidence to show: "prediction" or a digit "0"–"9".
            method: cam, gradcam, gradcam++, hirescam, layercam or scorecam (slow).
            layer: layer4 (7×7; CAM needs it), layer3 (7×7) or layer2 (14×14).
            colormap: viridis, inferno, jet or coolwarm (signed).
            opacity: heatmap opacity from 0 to 1.

        Returns:
            result: {digit, probabilities (10), target, message, ood_score, not_a_digit};
                digit is null and message says why when nothing could be read.
            overlay: the heatmap over the picture (none when there is nothing to show).
        """
        # Batched (the event's batch=True): Gradio passes one list per argument, one item per
        # client, and many clients' files share one forward pass. A client sends one request.
        answers = self.service.api_many(
            [Upload(i) for i in image],
            [Settings(*chosen) for chosen in zip(target, method, layer, opacity, colormap,
                                                 strict=True)])
        return ([record for record, _ in answers],
                [None if result is None else result.overlay for _, result in answers])
