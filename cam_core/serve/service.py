"""Requests from a class of students → what each of them sees, in their language: the
orchestration between the app and the engine, on typed requests. No Gradio here.

One stroke's path through this module: the app makes a :class:`Request` (the pad's strokes or
an upload, and the :class:`Settings` of the controls) → :meth:`Service.explain_many` reads
each input once (:meth:`Service.read`: strokes rendered by ``cam_core.inputs.strokes``, then
``cam_core.inputs.prepare``) → groups the requests that ask the same thing → one batched
``Explainer.explain_batch`` per group → ``views.panels`` for each request → back to the app.

The controls' rules live here, not in widgets:

- CAM reads only ``layer4``, HiResCAM not ``layer2`` (:func:`layer_for` says why).
- A live request (a stroke, an upload, a moved control) never starts a method too slow to follow
  the pen (Score-CAM, 12–20 s a drawing on 2 CPU cores) unless its map is cached: the person
  gets the prediction without a heatmap and a note to press Explain. Otherwise one student's
  choice would hold a worker of the whole class for minutes.
- One failure fails no other request of its batch: the batch is retried one by one. A
  ``PersonError`` shows its message; anything else is logged, the person reads ``SERVER_ERROR``.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from cam_core.errors import PersonError
from cam_core.explain.engine import Explainer, Explanation
from cam_core.explain.methods import METHODS, why_not_layer
from cam_core.explain.settings import PREDICTION, check_settings
from cam_core.inputs.prepare import Prepared, prepare, prepare_ink
from cam_core.inputs.strokes import parse_drawing, render_drawing
from cam_core.model.network import FEATURE_LAYERS
from cam_core.serve import views
from cam_core.serve.catalog import Message, say, told

LOG = logging.getLogger("digit-cam")
SERVER_ERROR = Message("answers.server_error")  # English as str; views say it in any language
DRAWINGS_KEPT = 16  # pad drawings kept read (a moved slider re-sends the same strokes)


def layer_for(method: str, layer: str, language: str = "en") -> tuple[str, str]:
    """The layer a map of ``method`` is made on, and why not ``layer`` (in ``language``; "").

    A method offered on fewer layers (:attr:`cam_core.explain.methods.Method.layers`) gets the
    nearest layer it works on, with the reason from
    :func:`cam_core.explain.methods.why_not_layer`: CAM weighs feature maps with the ``fc``
    weights, which see only ``layer4``; HiResCAM paints a grid of dots on ``layer2``. Unknown
    methods or layers are left for :meth:`Settings.checked`.
    """
    offered = METHODS[method].layers if method in METHODS else FEATURE_LAYERS[1:]
    if layer in offered or layer not in FEATURE_LAYERS[1:]:
        return layer, ""
    depth = FEATURE_LAYERS.index(layer)
    chosen = min(offered, key=lambda name: abs(FEATURE_LAYERS.index(name) - depth))
    return chosen, say(language, "controls.layer_changed", method=METHODS[method].label,
                       layer=layer, chosen=chosen, why=told(language, why_not_layer(method)))


@dataclass(frozen=True)
class Settings:
    """What a person asks for, as the page's controls (or an API client) give it.

    Attributes:
        target: ``"prediction"`` or a digit ``"0"``–``"9"``: the class whose evidence is shown.
        method: a name in :data:`cam_core.explain.methods.METHODS` (``cam``, ``gradcam``, …).
        layer: ``layer2``, ``layer3`` or ``layer4``.
        opacity: heatmap opacity in [0, 1].
        colormap: a name in :data:`cam_core.explain.render.COLORMAPS`.
        grid: draw the grid of squares the map is made of over the heatmap (7×7; 14×14 on
            layer2).
    """

    target: str = PREDICTION
    method: str = "cam"
    layer: str = "layer4"
    opacity: float = 0.5
    colormap: str = "viridis"
    grid: bool = False

    def checked(self) -> Settings:
        """These settings checked, with CAM's layer rule applied (:func:`layer_for`).

        Raises: SettingsError (an InputError) naming the bad value and what to choose instead
        (:func:`cam_core.explain.settings.check_settings`, the engine's own check).
        """
        layer, _ = layer_for(self.method, self.layer)
        digit, opacity = check_settings(self.target, self.method, layer, self.colormap,
                                        self.opacity)
        target = PREDICTION if digit is None else str(digit)
        return replace(self, target=target, layer=layer, opacity=opacity, grid=bool(self.grid))

    @property
    def digit(self) -> int | None:
        """The class to explain as an int, None for the prediction (on checked settings)."""
        return None if self.target == PREDICTION else int(self.target)


@dataclass(frozen=True)
class Pad:
    """The drawing pad's value as the browser sent it: its strokes as JSON
    (:func:`cam_core.inputs.strokes.parse_drawing`), or None / "" when nothing is drawn. Never read
    as a path: a drawing comes only as strokes."""

    text: str | None


@dataclass(frozen=True)
class Upload:
    """An uploaded image: its file's path on the server, or the ``data:`` URL an API client
    sent; None when nothing is uploaded."""

    source: str | None


@dataclass(frozen=True)
class Request:
    """One person's question: an input, the settings, whether it is live (a stroke, an upload,
    a moved control: a slow method then waits for Explain) or Explain pressed, the language
    of their page (``catalog.LANGUAGES``); ``who``: an opaque tag of the person for
    :attr:`Service.on_answer` (their class membership), None for nobody to tell."""

    source: Pad | Upload
    settings: Settings = field(default_factory=Settings)
    live: bool = False
    who: object = None
    language: str = "en"


# answered(i, the input read, its explanation, its settings, note): request i's result is in.
Answered = Callable[[int, Prepared, Explanation, Settings, str], None]
# on_answer(who, explanation, source): a tagged request's answer, as its person sees it.
OnAnswer = Callable[[object, Explanation, "Pad | Upload"], None]


class Service:
    """Explains requests of many people with one :class:`~cam_core.explain.engine.Explainer`.

    Thread-safe: Gradio calls it from several worker threads at once.

    ``on_answer(request.who, explanation, request.source)``: called for each answered request
    of :meth:`explain_many` with ``who`` set (a student in a class: the wall shows the answer,
    no second model pass); what it raises is logged, and the person still gets their answer.
    """

    def __init__(self, explainer: Explainer, drawings_kept: int = DRAWINGS_KEPT,
                 on_answer: OnAnswer | None = None) -> None:
        self.explainer = explainer
        self.on_answer = on_answer
        self._drawings: OrderedDict[str, Prepared] = OrderedDict()
        self._drawings_kept = drawings_kept
        self._lock = threading.Lock()

    def read(self, source: Pad | Upload) -> Prepared:
        """The model input of ``source``: a drawing's strokes rendered as training and
        evaluation render them (:func:`cam_core.inputs.strokes.render_drawing`, then
        ``prepare_ink``),
        or an upload read by :func:`cam_core.inputs.prepare.prepare`. Blank when empty.

        Raises: InputError (bad strokes, unreadable file) with a message for the person.
        """
        if isinstance(source, Upload):
            return prepare(source.source)
        if not source.text:
            return prepare(None)
        with self._lock:
            known = self._drawings.get(source.text)
            if known is not None:
                self._drawings.move_to_end(source.text)
                return known
        prepared = prepare_ink(render_drawing(parse_drawing(source.text)))
        for array in (prepared.tensor, prepared.model_input, prepared.ink, prepared.picture):
            array.setflags(write=False)  # shared by every request with the same strokes
        with self._lock:
            self._drawings[source.text] = prepared
            while len(self._drawings) > self._drawings_kept:
                self._drawings.popitem(last=False)
        return prepared

    def blank(self, language: str = "en") -> views.Panels:
        """What the page shows before anything is drawn, in ``language``."""
        return views.panels(self.explainer.explain(None), language=language)

    def explain(self, request: Request) -> views.Panels:
        """One request; see :meth:`explain_many`."""
        return self.explain_many([request])[0]

    def explain_many(self, requests: Sequence[Request]) -> list[views.Panels]:
        """What each request's person sees; never raises (failures become messages).

        Each input is read once; requests with the same settings share one batched forward
        pass. Live requests for a slow method whose map is not cached get the prediction, no
        heatmap, and a note to press Explain. "12" drawn: read as one picture, and said."""
        panels: list[views.Panels | None] = [None] * len(requests)

        def answered(i: int, prepared: Prepared, result: Explanation, settings: Settings,
                     note: str) -> None:
            grid, language = (prepared.to_model if settings.grid else None), requests[i].language
            said = views.several_digits_line(prepared, language)
            panels[i] = (views.prediction_only(result, prepared.picture, note, language, said)
                         if note else
                         views.panels(result, settings.opacity, settings.colormap,
                                      views.gpu_note(result.gpu_refused, language), grid=grid,
                                      heat=isinstance(requests[i].source, Pad),
                                      language=language, said=said))
            if requests[i].who is not None and self.on_answer is not None:
                try:
                    self.on_answer(requests[i].who, result, requests[i].source)
                except Exception as error:
                    LOG.error("on_answer failed", exc_info=error)

        def failed(i: int, error: Exception) -> None:
            panels[i] = _failure(error, requests[i].language)

        self._batched(requests, answered, failed)
        return panels  # type: ignore[return-value]

    def _batched(self, requests: Sequence[Request], answered: Answered,
                 failed: Callable[[int, Exception], None]) -> None:
        """Read each request's input once, group requests that ask the same thing, run one
        batched ``explain_batch`` per group; call ``answered(i, prepared, result, settings,
        note)`` or ``failed(i, error)`` for each request ``i``.

        ``note`` is set (and the result is CAM's, for the prediction only) when a live request
        asks for a slow method whose map is not cached.
        """
        inputs: dict[int, Prepared] = {}
        groups: dict[tuple[Settings, bool], list[int]] = {}
        for i, request in enumerate(requests):
            try:
                inputs[i] = self.read(request.source)
                settings = request.settings.checked()
            except Exception as error:
                failed(i, error)
                continue
            groups.setdefault((settings, request.live), []).append(i)
        for (settings, live), indices in groups.items():
            method = METHODS[settings.method]
            waiting = [i for i in indices if live and not method.live
                       and self.explainer.needs_model(inputs[i], settings.digit,
                                                      settings.method, settings.layer)]
            self._explain_group(inputs, [i for i in indices if i not in waiting], settings,
                                "", answered, failed)
            # The prediction only: CAM's pass, which costs nothing over the forward pass.
            self._explain_group(inputs, waiting, replace(settings, method="cam",
                                                         layer="layer4"),
                                Message("answers.slow_method", method=method.label),
                                answered, failed)

    def _explain_group(self, inputs: dict[int, Prepared], indices: list[int],
                       settings: Settings, note: str, answered: Answered,
                       failed: Callable[[int, Exception], None]) -> None:
        """Explain ``inputs[i]`` for ``i`` in ``indices`` in one batch (see :meth:`_batched`).
        A failed batch is retried one by one."""
        if not indices:
            return
        try:
            results = self.explainer.explain_batch([inputs[i] for i in indices],
                                                   *_arguments(settings))
            for i, result in zip(indices, results, strict=True):
                answered(i, inputs[i], result, settings, note)
        except Exception as error:
            if len(indices) == 1:
                failed(indices[0], error)
                return
            if not isinstance(error, PersonError):
                LOG.error("explain failed for a batch; retrying its inputs one by one",
                          exc_info=error)
            for i in indices:  # one bad input or one bug must fail no other of the batch
                self._explain_group(inputs, [i], settings, note, answered, failed)

    def current(self, source: Pad | Upload, settings: Settings | None = None,
                ) -> tuple[Prepared, Explanation]:
        """The input on screen and its explanation (default settings: CAM of the prediction),
        for the teaching views.

        Raises: PersonError when there is nothing to explain or the input is unreadable.
        """
        prepared, settings = self.read(source), (settings or Settings()).checked()
        if prepared.blank:
            raise PersonError(prepared.message)
        return prepared, self.explainer.explain(prepared, *_arguments(settings))

    def api(self, source: Upload, settings: Settings) -> tuple[dict, Explanation | None]:
        """One ``/explain`` request; see :meth:`api_many`."""
        return self.api_many([source], [settings])[0]

    def api_many(self, sources: Sequence[Upload], settings: Sequence[Settings],
                 ) -> list[tuple[dict, Explanation | None]]:
        """The ``/explain`` API's answers, one per request: a JSON-ready record and the
        explanation (None when the request failed; the record's ``message`` then says why).

        Batched like the page's live requests: each file is read once, requests with equal
        settings share one forward pass, and a failure fails no other request. Slow methods
        are computed (the API has no Explain button to wait for).
        """
        requests = [Request(source, chosen) for source, chosen in zip(sources, settings,
                                                                      strict=True)]
        answers: list[tuple[dict, Explanation | None] | None] = [None] * len(requests)

        def failed(i: int, error: Exception) -> None:
            if isinstance(error, PersonError):
                message = str(error)
            else:
                LOG.error("the /explain API failed", exc_info=error)
                message = SERVER_ERROR
            answers[i] = ({"digit": None, "probabilities": [0.0] * 10, "target": None,
                           "message": message, "ood_score": None, "not_a_digit": False}, None)

        def answered(i: int, prepared: Prepared, result: Explanation, settings: Settings,
                     note: str) -> None:
            answers[i] = ({"digit": result.digit,
                           "probabilities": [float(p) for p in result.probabilities],
                           "target": result.target, "message": result.message,
                           "ood_score": result.ood_score, "not_a_digit": result.not_a_digit},
                          result)

        self._batched(requests, answered, failed)
        return answers  # type: ignore[return-value]


def _arguments(settings: Settings) -> tuple:
    """``Explainer.explain``'s arguments after the image, from checked settings."""
    return (settings.digit, settings.method, settings.layer, settings.colormap,
            settings.opacity)


def _failure(error: Exception, language: str = "en") -> views.Panels:
    """What a person sees when their request failed, in ``language``: their message (bad input,
    settings, server busy), or ``SERVER_ERROR`` for a bug (logged with its traceback)."""
    if isinstance(error, PersonError):
        return views.error_panels(error.message, language)
    LOG.error("explain failed", exc_info=error)
    return views.error_panels(SERVER_ERROR, language)
