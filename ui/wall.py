"""The class wall, a page of its own (``/wall?class=CODE&key=KEY``, the teacher's link) made for
a projector: everyone's latest drawing, refreshed once a second only when something changed;
a tile opens its ten maps; the teacher hides tiles, clears the wall, runs rounds and the "fool
the network" challenge, shows a large QR code and ends the class. Without the key (or with a
wrong code) the page says so in a sentence and shows nothing of the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio.i18n import I18nData

from cam_core.serve.catalog import say
from cam_core.serve.classes import ClassError, Classes

from . import language as page_language
from . import wall_view
from .class_bar import page_url, student_link

TICK_S = 1.0
GONE = -2  # the version shown once the class has ended
TIMER_CHOICES = [0, 30, 60, 90, 120, 180]
PRIVATE = dict(api_visibility="private")
DONE = {"hide": "hidden", "clear": "cleared", "reject": "rejected"}  # the action's notice


def _label(key: str) -> I18nData:
    """The wall's label ``wall.<key>``, in the page's language (see ui/language.py)."""
    return page_language.label(f"wall.{key}")


@dataclass(frozen=True)
class WallPage:
    """The wall page's components."""

    where: gr.State  # {"code", "key", "language", "url"} once the key was accepted
    shown: gr.State  # the class's version on screen (-1: nothing yet)
    refused: gr.HTML
    board: gr.Column
    header: gr.HTML
    group: gr.Radio
    photos: gr.Checkbox
    qr_button: gr.Button
    clear: gr.Button
    end: gr.Button
    confirm: gr.Row  # "End the class? …" with its two buttons
    sure: gr.Button
    keep: gr.Button
    qr: gr.HTML
    large: gr.HTML
    close: gr.Button
    grid: gr.HTML
    digit: gr.Radio
    fool: gr.Checkbox
    timer: gr.Radio
    start_round: gr.Button
    end_round: gr.Button
    summary: gr.HTML
    tick: gr.Timer
    rounds: gr.Accordion  # the rounds' settings, folded away once a round starts

    @property
    def screen(self) -> list:
        """What a refresh updates."""
        return [self.shown, self.header, self.grid, self.summary]


def wall_section() -> WallPage:
    """The wall's components; build inside the wall's route."""
    gr.Navbar(visible=False)  # a projector shows the class, not the app's navigation
    where, shown = gr.State(None), gr.State(-1)
    refused = gr.HTML(elem_id="wall-refused")
    with gr.Column(visible=False, elem_id="wall-board") as board:
        header = gr.HTML(css_template=wall_view.CSS, js_on_load=None, elem_id="wall-header")
        summary = gr.HTML(css_template=wall_view.CSS, js_on_load=wall_view.ON_CLICK,
                          elem_id="wall-summary")
        with gr.Accordion(_label("rounds_title"), open=False, elem_id="wall-rounds") as rounds:
            with gr.Row(equal_height=True):
                digit = gr.Radio([str(d) for d in range(10)], value="4",
                                 label=_label("round_digit"), scale=3, elem_id="wall-digit")
                fool = gr.Checkbox(False, label=_label("fool_label"), scale=2, elem_id="wall-fool")
                timer = gr.Radio([(_label("timer_off") if s == 0 else str(s), s)
                                  for s in TIMER_CHOICES], value=0, label=_label("timer_label"),
                                 scale=2, elem_id="wall-timer")
            start_round = gr.Button(_label("start_round"), variant="primary",
                                    elem_id="wall-start-round")
        with gr.Row(equal_height=True):
            group = gr.Radio([(_label("by_answer"), wall_view.BY_ANSWER),
                              (_label("by_round"), wall_view.BY_ROUND)],
                             value=wall_view.BY_ANSWER, label=_label("group_by"), scale=2)
            photos = gr.Checkbox(False, label=_label("show_photos"), scale=1)
            # Outside the rounds' fold, which closes when a round starts.
            end_round = gr.Button(_label("end_round"), scale=1, elem_id="wall-end-round")
            qr_button = gr.Button(_label("big_qr"), scale=1, elem_id="wall-qr-button")
            clear = gr.Button(_label("clear"), scale=1, elem_id="wall-clear")
            end = gr.Button(_label("end_class"), variant="stop", scale=1, elem_id="wall-end")
        with gr.Row(visible=False) as confirm:
            gr.Markdown(_label("end_confirm"))
            sure = gr.Button(_label("end_class"), variant="stop", elem_id="wall-end-sure")
            keep = gr.Button(_label("close"), elem_id="wall-end-keep")
        qr = gr.HTML(visible=False, css_template=wall_view.CSS, elem_id="wall-qr")
        large = gr.HTML(visible=False, css_template=wall_view.CSS, js_on_load=None,
                        elem_id="wall-large")
        close = gr.Button(_label("close"), visible=False, elem_id="wall-close")
        grid = gr.HTML(css_template=wall_view.CSS, js_on_load=wall_view.ON_CLICK,
                       elem_id="wall-grid")
    tick = gr.Timer(TICK_S, active=False)
    return WallPage(where, shown, refused, board, header, group, photos, qr_button, clear, end,
                    confirm, sure, keep, qr, large, close, grid, digit, fool, timer,
                    start_round, end_round, summary, tick, rounds)


class WallHandlers:
    """The wall's callbacks over ``classes``; ``fixed_url``: the students' address
    (classroom mode), else the browser's."""

    def __init__(self, classes: Classes, fixed_url: str | None = None) -> None:
        self.classes, self.fixed_url = classes, fixed_url

    def render(self, where: dict, by: str) -> tuple:
        """(version, header, grid, summary) of the wall now (the summary hidden before the
        first round). Raises ClassError."""
        wall = self.classes.wall(where["code"], where["key"])
        said = where["language"]
        summary = wall_view.summary_html(wall.summary, said, say(said, "wall.reject"))
        return (wall.version, wall_view.header_html(wall, said, where["url"]),
                wall_view.wall_html(wall, said, by, say(said, "wall.hide")),
                gr.update(value=summary, visible=bool(summary)))

    def _gone(self, error: ClassError, said: str) -> tuple:
        """The class ended (or the key is wrong): the board goes, a sentence stays."""
        return (None, -1, wall_view.refused_html(error.said(said)), gr.update(visible=False),
                gr.Timer(active=False))

    def on_load(self, by: str, request: gr.Request) -> tuple:
        """Page opened: the key checked; the wall, or a sentence."""
        said = page_language.language_of(request)
        code = request.query_params.get("class")
        key = request.query_params.get("key")
        try:
            if not key:  # a wall without its key: the same sentence, whatever the code
                return (None, -1, wall_view.refused_html(say(said, "wall.no_wall_key")),
                        gr.update(visible=False), gr.Timer(active=False), *[gr.update()] * 3)
            self.classes.wall(code, key)
            code = self.classes.exists(code)
        except ClassError as error:
            return (*self._gone(error, said), *[gr.update()] * 3)
        where = {"code": code, "key": key, "language": said,
                 "url": student_link(page_url(request, self.fixed_url), code)}
        shown, header, grid, summary = self.render(where, by)
        return (where, shown, "", gr.update(visible=True), gr.Timer(active=True), header, grid,
                summary)

    def on_tick(self, where: dict | None, shown: int, by: str) -> tuple:
        """Once a second: the wall again only when its version changed (or a timed round
        counts down); otherwise nothing is sent."""
        if not where:
            return tuple(gr.skip() for _ in range(4))
        try:
            version = self.classes.version(where["code"])
            current, running = self.classes.prompt(where["code"])
            if version != shown:
                return self.render(where, by)
            if running and current.seconds:  # only the countdown in the header changes
                wall = self.classes.wall(where["code"], where["key"])
                return (gr.skip(), wall_view.header_html(wall, where["language"], where["url"]),
                        gr.skip(), gr.skip())
            return tuple(gr.skip() for _ in range(4))
        except ClassError as error:  # ended elsewhere, or expired: say so once
            if shown == GONE:
                return tuple(gr.skip() for _ in range(4))
            return (GONE, wall_view.refused_html(error.said(where["language"])), "", "")

    def act(self, where: dict | None, by: str, action: str, *values: object) -> tuple:
        """A teacher's action (``Classes.<action>(code, key, *values)``), then the wall again;
        a refusal is a warning."""
        if not where:
            return tuple(gr.skip() for _ in range(4))
        try:
            getattr(self.classes, action)(where["code"], where["key"], *values)
            done = DONE.get(action)
            if action == "allow_photos":
                done = "photos_on" if values[0] else "photos_off"
            if done:
                gr.Info(say(where["language"], f"wall.{done}"), duration=3)
            return self.render(where, by)
        except ClassError as error:
            gr.Warning(error.said(where["language"]))
            return tuple(gr.skip() for _ in range(4))

    def on_click(self, where: dict | None, by: str, event: gr.EventData) -> tuple:
        """A click in the wall's HTML: open a tile's large view, hide it, or reject it."""
        number, action = getattr(event, "tile", None), getattr(event, "action", "open")
        if not where or not isinstance(number, int | float):
            return (*[gr.skip()] * 4, gr.skip(), gr.skip())
        if action == "open":
            try:
                tile = self.classes.tile(where["code"], where["key"], int(number))
            except ClassError as error:
                gr.Warning(error.said(where["language"]))
                return (*[gr.skip()] * 4, gr.skip(), gr.skip())
            return (*[gr.skip()] * 4,
                    gr.update(value=wall_view.large_html(tile, where["language"]),
                              visible=True), gr.update(visible=True))
        if action in ("hide", "reject"):
            return (*self.act(where, by, action, int(number)), gr.skip(), gr.skip())
        return (*[gr.skip()] * 4, gr.skip(), gr.skip())

    def on_end(self, where: dict | None) -> tuple:
        """End the class (confirmed): everything goes."""
        if not where:
            return tuple(gr.skip() for _ in range(5))
        try:
            self.classes.end(where["code"], where["key"])
        except ClassError as error:
            return self._gone(error, where["language"])
        return (None, -1, wall_view.refused_html(say(where["language"], "wall.ended")),
                gr.update(visible=False), gr.Timer(active=False))

    @staticmethod
    def on_qr(where: dict | None) -> dict:
        """Show the join link's QR code over the whole screen (a click on it closes it)."""
        if not where:
            return gr.update(visible=False)
        return gr.update(value=wall_view.qr_page_html(where["url"]), visible=True)


def add_wall_page(demo: gr.Blocks, classes: Classes, fixed_url: str | None = None) -> None:
    """Add the wall's page (``/wall``, not in the navigation bar) to ``demo``."""
    handlers = WallHandlers(classes, fixed_url)
    # The route's name is a plain string: Gradio formats it before its i18n is ready.
    with demo.route(say("en", "wall.page_name"), "/wall", show_in_navbar=False):
        wall = wall_section()
        gone = [wall.where, wall.shown, wall.refused, wall.board, wall.tick]
        # Callable by name but not in the API docs: benchmarks/classroom.py --wall polls the
        # wall as this page does.
        hidden = dict(api_visibility="undocumented")
        demo.load(handlers.on_load, [wall.group], [*gone, wall.header, wall.grid, wall.summary],
                  api_name="wall_open", **hidden)
        # The page's lang (and dir) and Gradio's labels in the language asked for (?lang=).
        # A hidden textbox, not a State: the browser's script needs the value.
        said = gr.Textbox(visible=False)
        demo.load(page_language.language_of, None, said, queue=False, **PRIVATE)
        said.change(None, said, None, js=page_language.SET_LANGUAGE, **PRIVATE)
        inputs = [wall.where, wall.shown, wall.group]
        wall.tick.tick(handlers.on_tick, inputs, wall.screen, show_progress="hidden",
                       api_name="wall_tick", **hidden)
        wall.group.change(lambda where, by: handlers.render(where, by) if where else
                          tuple(gr.skip() for _ in range(4)), [wall.where, wall.group],
                          wall.screen, **PRIVATE)
        both = [wall.where, wall.group]
        wall.clear.click(lambda w, b: handlers.act(w, b, "clear"), both, wall.screen, **PRIVATE)
        wall.photos.input(lambda w, b, on: handlers.act(w, b, "allow_photos", on),
                          [*both, wall.photos], wall.screen, **PRIVATE)
        wall.start_round.click(
            lambda w, b, d, f, s: handlers.act(w, b, "start_round", d, f, s or None),
            [*both, wall.digit, wall.fool, wall.timer], wall.screen, **PRIVATE)
        # The projector then shows the round's line and the drawings, not the settings.
        wall.start_round.click(lambda: gr.update(open=False), None, wall.rounds, queue=False,
                               **PRIVATE)
        wall.end_round.click(lambda w, b: handlers.act(w, b, "end_round"), both, wall.screen,
                             **PRIVATE)
        # No fade over the projected wall while a click's answer comes (a fraction of a second).
        clicked = dict(inputs=both, outputs=[*wall.screen, wall.large, wall.close],
                       show_progress="hidden", **PRIVATE)
        wall.grid.click(handlers.on_click, **clicked)
        wall.summary.click(handlers.on_click, **clicked)
        wall.close.click(lambda: (gr.update(visible=False), gr.update(visible=False)), None,
                         [wall.large, wall.close], **PRIVATE)
        wall.qr_button.click(handlers.on_qr, wall.where, wall.qr, **PRIVATE)
        wall.qr.click(lambda: gr.update(visible=False), None, wall.qr, **PRIVATE)
        wall.end.click(lambda: gr.update(visible=True), None, wall.confirm, **PRIVATE)
        wall.keep.click(lambda: gr.update(visible=False), None, wall.confirm, **PRIVATE)
        wall.sure.click(handlers.on_end, wall.where, gone, **PRIVATE)
