"""The student's side of a class, on the main page: the link ``…/?class=CODE`` puts the person
in the class (one line says so, with their nickname, changeable, and "Leave the class"); and
the "For teachers" fold that starts a class and shows its links once.

The membership ``{"code", "student"}`` lives in the session (``gr.State``, sent with each
drawing so the service hands the answer to the wall) and in the browser (``gr.BrowserState``),
so that reloading the page keeps the same nickname and tile rather than joining again.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import gradio as gr
from gradio.i18n import I18nData

from cam_core.serve.catalog import say
from cam_core.serve.classes import ClassError, Classes

from . import language as page_language
from .wall_view import qr_svg

STUDENT_TICK_S = 5.0  # how often a student's page asks for the round (cheap, no model)


def _label(key: str) -> I18nData:
    """The class label ``wall.<key>``, in the page's language (see ui/language.py)."""
    return page_language.label(f"wall.{key}")


def page_url(request: gr.Request | None, fixed: str | None = None) -> str:
    """The address of the app's main page ending in "/": ``fixed`` (classroom mode's LAN
    address) when given, else as the browser reached this server (behind a proxy, its
    forwarded host and scheme)."""
    if fixed:
        return fixed if fixed.endswith("/") else fixed + "/"
    if request is None:
        return "/"
    headers = request.headers
    host = headers.get("x-forwarded-host") or headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto") or getattr(request.url, "scheme", "http") or "http"
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}/"


def student_link(base: str, code: str) -> str:
    """The link students open for class ``code``."""
    return f"{base}?class={quote(code)}"


def teacher_link(base: str, code: str, key: str) -> str:
    """The wall's link for the teacher, with the class's key."""
    return f"{base}wall?class={quote(code)}&key={quote(key)}"


def started_html(base: str, code: str, key: str, language_code: str = "en") -> str:
    """What a teacher sees once after starting a class: the students' link and its QR code,
    then the teacher's link (with the key: shown only this once)."""
    student, teacher = student_link(base, code), teacher_link(base, code, key)
    said = {k: html.escape(say(language_code, f"wall.{k}", code=code))
            for k in ("students_link", "teacher_link")}
    started = html.escape(say(language_code, "wall.started", code=code)).replace(
        f"**{code}**", f"<b>{code}</b>")
    return (f"<div class='class-started'><p>{started}</p>"
            f"<div style='display:flex;gap:1em;flex-wrap:wrap;align-items:center'>"
            f"{qr_svg(student, 4)}<p style='font-size:1.2em'>{said['students_link']} "
            f"<a href='{html.escape(student)}' id='class-student-link'>"
            f"{html.escape(student)}</a></p></div>"
            f"<p>{said['teacher_link']}<br><a href='{html.escape(teacher)}' target='_blank' "
            f"id='class-teacher-link'>{html.escape(teacher)}</a></p></div>")


@dataclass(frozen=True)
class ClassBar:
    """The student's line on the main page (hidden outside a class)."""

    member: gr.State  # {"code", "student"} or None
    saved: gr.BrowserState  # the same, kept by the browser over a reload
    box: gr.Group
    line: gr.Markdown
    nickname: gr.Textbox
    rename: gr.Button
    leave: gr.Button
    prompt: gr.Markdown
    notice: gr.Markdown  # a refusal (wrong code) or "you left"
    tick: gr.Timer


def class_bar() -> ClassBar:
    """The student's class line; build it near the top of the page."""
    member = gr.State(None)
    saved = gr.BrowserState(None, storage_key="digit-cam-class")
    notice = gr.Markdown(visible=False, elem_id="class-notice")
    # The id on a Column around the grey Group: Gradio's Group puts its elem_id on two nested
    # <div>s, and an id must be unique in the page.
    with gr.Column(visible=False, elem_id="class-bar") as box, gr.Group():
        line = gr.Markdown(elem_id="class-line")
        prompt = gr.Markdown(elem_id="class-prompt")
        # Folded: on a phone the pad stays on the first screen.
        with gr.Accordion(_label("class_more"), open=False,
                          elem_id="class-more"), gr.Row(equal_height=True):
            nickname = gr.Textbox(label=_label("nickname_label"), max_lines=1, max_length=24,
                                  scale=3, min_width=160, elem_id="class-nickname")
            rename = gr.Button(_label("rename"), scale=1, min_width=90, elem_id="class-rename")
            leave = gr.Button(_label("leave"), scale=1, min_width=120, variant="secondary",
                              elem_id="class-leave")
    tick = gr.Timer(STUDENT_TICK_S, active=False)
    return ClassBar(member, saved, box, line, nickname, rename, leave, prompt, notice, tick)


@dataclass(frozen=True)
class TeacherFold:
    """"For teachers": what a class is, and the button that starts one."""

    start: gr.Button
    started: gr.HTML


def teacher_fold() -> TeacherFold:
    """The fold for teachers; build it at the bottom of the page."""
    with gr.Accordion(_label("teachers_title"), open=False, elem_id="class-teachers"):
        gr.Markdown(_label("teachers_text"))
        start = gr.Button(_label("start_class"), elem_id="class-start")
        started = gr.HTML(elem_id="class-started")
    return TeacherFold(start, started)


def _joined(code: str, nickname: str, language: str) -> str:
    """The class line: in class ``code`` as ``nickname`` (escaped), in ``language``."""
    return say(language, "wall.joined", code=code, nickname=html.escape(nickname))


class ClassPage:
    """The callbacks of the student's line and the teachers' fold over ``classes``;
    ``fixed_url``: the address students open (classroom mode), else the browser's."""

    def __init__(self, classes: Classes, fixed_url: str | None = None,
                 banner: Callable[[str], str] | None = None) -> None:
        self.classes, self.fixed_url, self.banner = classes, fixed_url, banner

    def _shown(self, member: dict, nickname: str, language_code: str) -> tuple:
        line = _joined(member["code"], nickname, language_code)
        return (member, member, gr.update(visible=True), line, nickname,
                self.prompt(member, language_code), gr.update(visible=False),
                gr.Timer(active=True))

    @staticmethod
    def _out(notice: str, saved: object = None) -> tuple:
        """Outside a class: ``notice`` shown (if any), the browser's membership ``saved``."""
        return (None, saved, gr.update(visible=False), "", "", "",
                gr.update(value=notice, visible=bool(notice)), gr.Timer(active=False))

    def on_load(self, saved: dict | None, request: gr.Request) -> tuple:
        """Page opened: with ``?class=CODE``, rejoin as the saved student of that class, or
        join; a wrong or ended code says so. Also hides the classroom banner (teacher's)."""
        asked = request.query_params.get("class") if request else None
        said = page_language.language_of(request)
        if not asked:  # not a student of a class: the classroom banner, in their language
            banner = gr.update(value=self.banner(said)) if self.banner else gr.update()
            return (*(gr.update() for _ in range(8)), banner)
        hide_banner = gr.update(visible=False)
        try:
            code = self.classes.exists(asked)
            if isinstance(saved, dict) and saved.get("code") == code:
                try:  # the same browser, reloaded: the same student
                    nickname = self.classes.rename(code, saved["student"],
                                                   saved.get("nickname")).nickname
                    member = {"code": code, "student": saved["student"], "nickname": nickname}
                    return (*self._shown(member, nickname, said), hide_banner)
                except ClassError:
                    pass
            joined = self.classes.join(code, said)
        except ClassError as error:
            return (*self._out(error.said(said), gr.update()), hide_banner)
        member = {"code": joined.code, "student": joined.id, "nickname": joined.nickname}
        return (*self._shown(member, joined.nickname, said), hide_banner)

    def on_rename(self, member: dict | None, nickname: str, said: str) -> tuple:
        """The nickname changed; ``said``: the page's language."""
        if not member:
            return self._out(say(said, "wall.not_in_class"))
        try:
            renamed = self.classes.rename(member["code"], member["student"], nickname)
        except ClassError as error:
            gr.Warning(error.said(said))
            return self._shown(member, member.get("nickname", ""), said)
        gr.Info(say(said, "wall.renamed", nickname=renamed.nickname))
        return self._shown({**member, "nickname": renamed.nickname}, renamed.nickname, said)

    def on_leave(self, member: dict | None, said: str) -> tuple:
        """Leave the class: the tile and nickname are gone; drawings stay on this page."""
        if member:
            self.classes.leave(member["code"], member["student"])
        return self._out(say(said, "wall.left"))

    def prompt(self, member: dict | None, language_code: str = "en") -> str:
        """The round the student should draw for, or "" (also when the class has ended)."""
        if not member:
            return ""
        try:
            current, running = self.classes.prompt(member["code"])
        except ClassError as error:
            return error.said(language_code)
        if current is None:
            return ""
        if not running:
            return say(language_code, "wall.round_over", number=current.number)
        key = "wall.fool_prompt" if current.fool else "wall.round_prompt"
        return "**" + say(language_code, key, number=current.number, digit=current.digit) + "**"

    def on_tick(self, member: dict | None, said: str) -> tuple:
        """Every few seconds in a class: the round's prompt, in the page's language; once the
        class has ended (or expired), the class line goes and one sentence says so."""
        if member:
            try:
                self.classes.exists(member["code"])
            except ClassError as error:
                return self._out(error.said(said))
        return (*(gr.skip() for _ in range(5)), self.prompt(member, said), gr.skip(),
                gr.skip())

    def on_language(self, member: dict | None, said: str) -> tuple:
        """The page's language changed: the class line and the prompt said again in it."""
        if not member:
            return gr.skip(), gr.skip()
        return (_joined(member["code"], member.get("nickname", ""), said),
                self.prompt(member, said))

    def on_start(self, said: str, request: gr.Request) -> str:
        """"Start a class" pressed: the links, the key shown this once."""
        try:
            started = self.classes.start()
        except ClassError as error:
            return f"<p>{html.escape(error.said(said))}</p>"
        return started_html(page_url(request, self.fixed_url), started.code, started.key, said)


def wire(page: ClassPage, bar: ClassBar, fold: TeacherFold, demo: gr.Blocks,
         language: gr.State, banner: gr.HTML | None = None) -> None:
    """Connect the class line and the teachers' fold; call inside the page's ``gr.Blocks``.
    ``language``: the page's language (``ui.language.chooser``), for the sentences written
    after the page has loaded."""
    private = dict(api_visibility="private")
    shown = [bar.member, bar.saved, bar.box, bar.line, bar.nickname, bar.prompt, bar.notice,
             bar.tick]
    banner_out = banner if banner is not None else gr.State()
    hidden = dict(api_visibility="undocumented")  # by name for benchmarks/classroom.py --wall
    demo.load(page.on_load, [bar.saved], [*shown, banner_out], api_name="class_join",
              show_progress="hidden", **hidden)
    bar.rename.click(page.on_rename, [bar.member, bar.nickname, language], shown, **private)
    bar.nickname.submit(page.on_rename, [bar.member, bar.nickname, language], shown, **private)
    bar.leave.click(page.on_leave, [bar.member, language], shown, **private)
    bar.tick.tick(page.on_tick, [bar.member, language], shown, show_progress="hidden",
                  **private)
    language.change(page.on_language, [bar.member, language], [bar.line, bar.prompt],
                    show_progress="hidden", **private)
    fold.start.click(page.on_start, language, fold.started, api_name="class_start", **hidden)
