"""Digit CAM demo: draw a digit, see what a ResNet34 reads and where it found the evidence.

``python app.py [--host 127.0.0.1] [--port 7860] [--classroom] [--share] [--mcp]`` (also how a
Hugging Face Space starts it; ``--classroom`` serves a class over the room's network, see
``ui/classroom.py``). This file only builds and launches: :func:`build_demo` puts the page
(``ui/``) on a request service (``cam_core.serve.service``) over an explainer
(``cam_core.explain.engine``);
:func:`main` loads the model and serves. Importing it loads nothing heavy.
"""

from __future__ import annotations

import os

# Before torch loads OpenMP: its idle threads sleep instead of spinning. Spinning burns the CPU
# that other requests need whenever several run at once or the machine is shared (figures in
# docs/measurements.md, "Figures behind code choices"). Set here, not in cam_core: training
# keeps the default.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import contextlib
import ctypes
import functools
import logging

import gradio as gr

from cam_core.explain.engine import Explainer
from cam_core.serve.catalog import say
from cam_core.serve.classes import Classes
from cam_core.serve.service import Service
from ui import access, class_bar, classroom, language, layout
from ui.handlers import Handlers


def build_demo(explainer: Explainer, classroom_url: str | None = None,
               classes: Classes | None = None, banner_url: str | None = None) -> gr.Blocks:
    """The app's page over ``explainer`` (queued; launch it, or call its handlers in tests),
    with its class wall over ``classes`` (a new, empty registry by default); with
    ``classroom_url`` (the address students open), a banner on top gives ``banner_url`` (by
    default that address) and its QR code."""
    classes = classes if classes is not None else Classes()
    banner = (functools.partial(classroom.banner_html, banner_url or classroom_url)
              if classroom_url else None)
    return layout.build(Handlers(Service(explainer, on_answer=classes.tell)), banner=banner,
                        classes=classes, fixed_url=classroom_url)


def cap_malloc_arenas(arenas: int = 2) -> None:
    """Keep the server's memory flat under a classroom burst (glibc only; elsewhere a no-op).

    glibc gives threads their own malloc arenas (up to 8 per core) and an arena keeps what is
    freed in it. Gradio runs handlers on a pool of up to 40 threads, so the model's buffers
    spread over many arenas. Measured with the load test (1,591 requests): RSS grew 233 MB
    with the default and 77.5 MB with this cap (18.5 MB of it after the burst).
    Call it before the model's warm-up starts torch's threads and before Gradio's workers
    exist, so every arena made later obeys the cap.
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 is M_ARENA_MAX in <malloc.h>


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line. ``host``: ``--host``, else ``GRADIO_SERVER_NAME``, else every interface
    with ``--classroom`` and loopback without: the app is reachable from other machines only
    when asked."""
    parser = argparse.ArgumentParser(description="Serve the digit CAM demo.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME"),
                        help="address to listen on (default 127.0.0.1; 0.0.0.0 with "
                             "--classroom)")
    parser.add_argument("--port", type=int, default=int(os.environ.get(
        "GRADIO_SERVER_PORT", os.environ.get("PORT", 7860))))
    parser.add_argument("--classroom", action="store_true",
                        help="serve a class on this network: listen on all interfaces, print "
                             "the address to open and its QR code, show both on the page")
    parser.add_argument("--share", action="store_true", help="make a public gradio.live link")
    parser.add_argument("--mcp", action="store_true",
                        help="also serve /explain as an MCP tool (needs gradio[mcp])")
    args = parser.parse_args(argv)
    if not args.host:
        args.host = "0.0.0.0" if args.classroom else "127.0.0.1"
    return args


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, load the model once (a missing weights file fails early,
    naming the training command) and serve until stopped."""
    args = parse_args(argv)
    cap_malloc_arenas()
    from cam_core.explain.engine import load_explainer
    from cam_core.model.weights import WeightsError

    try:
        explainer = load_explainer(os.environ.get("DIGIT_CAM_WEIGHTS") or None)
    except WeightsError as error:
        raise SystemExit(str(error)) from None
    url = classroom.student_url(args.host, args.port) if args.classroom else None
    classes, joining = Classes(), None
    if url:  # one class started at launch: its link in the QR code, the wall's in the terminal
        started = classes.start()
        joining = class_bar.student_link(url, started.code)
        print(classroom.terminal_text(joining, classroom.other_urls(args.host, args.port, url)),
              say("en", "wall.terminal", code=started.code,
                  url=class_bar.teacher_link(url, started.code, started.key)) + "\n",
              sep="\n", flush=True)
    demo = build_demo(explainer, url, classes, joining)
    # quiet: Gradio's own lines name 0.0.0.0 (no one can open that) and suggest share=True;
    # the terminal gets one clear address instead, once the server is listening.
    _, local_url, share_url = demo.launch(
        server_name=args.host, server_port=args.port, share=args.share,
        mcp_server=args.mcp, max_file_size="10mb", css=layout.page_css(), head=access.head(),
        i18n=language.page_i18n(),
        footer_links=["api"], quiet=True, prevent_thread_lock=True)
    print(f"Ready: open {share_url or url or local_url} (Ctrl+C stops the app)", flush=True)
    demo.block_thread()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up checks
    main()
