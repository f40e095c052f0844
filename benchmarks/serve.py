"""Start a Gradio app on a free loopback port for a benchmark, and stop it afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(start_timeout_s: float = 180, script: Path = ROOT / "app.py",
                args: Sequence[str] = ()) -> Iterator[tuple[subprocess.Popen, str]]:
    """Yield ``(process, url)`` of ``python script --port N *args`` (the app by default) once
    it answers; terminate it on exit.

    Raises SystemExit when the app exits early or does not answer within ``start_timeout_s``.
    """
    port = free_port()
    server = subprocess.Popen([sys.executable, str(script), "--port", str(port), *args],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    started = time.time()
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.time() - started > start_timeout_s or server.poll() is not None:
                    raise SystemExit(f"{script.name} did not start") from None
                time.sleep(1)
        yield server, url
    finally:
        server.terminate()
        server.wait(timeout=30)
