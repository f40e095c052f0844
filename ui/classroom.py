"""Classroom mode (``python app.py --classroom``): a teacher's laptop serves the class over the
room's Wi-Fi, no internet needed.

The server listens on every interface (only when asked: otherwise on loopback), and the
address students should open is found offline: the address the machine would use to reach the
network (a UDP socket "connected" to a reserved address sends nothing), else its host name's.
The address is printed in the terminal and shown on the page, with a QR code of it (``segno``,
drawn here: nothing is fetched), and a note that anyone on the network can use the app.
"""

from __future__ import annotations

import contextlib
import html
import io
import ipaddress
import socket

import segno

EVERYWHERE = ("0.0.0.0", "::", "")  # hosts that mean "all interfaces": no address to give out
# TEST-NET-1 (RFC 5737): never routed, so "connecting" a UDP socket to it only asks the kernel
# which local address the default route would use. No packet is sent.
PROBE = ("192.0.2.1", 9)
NOTE = ("Anyone on this network can open this page and use the app while it runs "
        "(no password): run it on the classroom's network only, and stop it (Ctrl+C) after "
        "the lesson.")


def lan_address() -> str:
    """This machine's address on the local network (IPv4), found without network traffic;
    ``127.0.0.1`` when it has none (no network at all)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(PROBE)
        address = probe.getsockname()[0]
        if not ipaddress.ip_address(address).is_unspecified:
            return address
    with contextlib.suppress(OSError):
        address = socket.gethostbyname(socket.gethostname())
        if not ipaddress.ip_address(address).is_loopback:
            return address
    return "127.0.0.1"


def student_url(host: str, port: int) -> str:
    """The address students open: ``host`` as given, or this machine's LAN address when the
    server listens on all interfaces."""
    address = lan_address() if host in EVERYWHERE else host
    if ":" in address:  # an IPv6 literal
        address = f"[{address}]"
    return f"http://{address}:{port}/"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: readable from a projector or a screen)."""
    return segno.make(url, error="m", micro=False)


def terminal_text(url: str) -> str:
    """What the terminal shows: the address, its QR code in block characters, the note."""
    out = io.StringIO()
    qr_code(url).terminal(out=out, compact=True, border=2)
    return (f"\nClassroom mode: students open {url}\n{out.getvalue()}\n{NOTE}\n"
            "Phones and laptops must be on the same network as this computer.\n")


def banner_html(url: str) -> str:
    """The page's banner in classroom mode: the address, its QR code (inline SVG) and the
    note."""
    svg = qr_code(url).svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                  title=f"QR code of {url}")
    link = html.escape(url)
    # Inline styles: the banner exists only in classroom mode and keeps page.css out of it.
    return (f"<div class='classroom' style='display:flex;flex-wrap:wrap;gap:1em;"
            f"align-items:center'><div class='classroom-qr'>{svg}</div>"
            f"<div style='flex:1;min-width:14em'><p style='font-size:1.2em'><b>Open this page "
            f"on your phone or laptop:</b> <a href='{link}'>{link}</a></p>"
            f"<p class='warn'>{html.escape(NOTE)}</p></div></div>")
