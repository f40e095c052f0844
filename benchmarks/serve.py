"""Start the real app on a free loopback port for a benchmark, and stop it afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_app(start_timeout_s: float = 180) -> Iterator[tuple[subprocess.Popen, str]]:
    """Yield ``(process, url)`` of ``python app.py`` once it answers; terminate it on exit.

    Raises SystemExit when the app exits early or does not answer within ``start_timeout_s``.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
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
                    raise SystemExit("the app did not start") from None
                time.sleep(1)
        yield server, url
    finally:
        server.terminate()
        server.wait(timeout=30)
