"""Classroom mode (``python app.py --classroom``): a teacher's laptop serves the class over the
room's Wi-Fi, no internet needed.

The server listens on every interface (only when asked: otherwise on loopback), and the
address students should open is found offline: the address the machine would use to reach the
network (a UDP socket "connected" to a reserved address sends nothing), else its interfaces'
(``ifaddr``: Linux, macOS and Windows alike), else its host name's.
The address is printed in the terminal and shown on the page, with a QR code of it (``segno``,
drawn here: nothing is fetched), and a note that anyone on the network can use the app.
"""

from __future__ import annotations

import contextlib
import html
import io
import ipaddress
import socket
from collections.abc import Sequence

import ifaddr
import segno

from cam_core.serve.catalog import say

EVERYWHERE = ("0.0.0.0", "::", "")  # hosts that mean "all interfaces": no address to give out
# TEST-NET-1 (RFC 5737): never routed, so "connecting" a UDP socket to it only asks the kernel
# which local address the default route would use. No packet is sent.
PROBE = ("192.0.2.1", 9)
NOTE = say("en", "wall.banner_note")  # the page says it in the reader's language
# In the terminal only: the page is read by students.
TEACHER_NOTE = NOTE + " Run it on the classroom's network only; stop it (Ctrl+C) after the lesson."


def lan_address() -> str:
    """This machine's address on the local network (IPv4), found without network traffic:
    the one its default route would use (a UDP probe), else the first of its interfaces'
    (:func:`interface_addresses`), else its host name's; ``127.0.0.1`` when it has none (no
    network at all). The same code on Linux, macOS and Windows."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(PROBE)  # no route (a hotspot without internet): OSError
        address = probe.getsockname()[0]
        if _usable(address):
            return address
    interfaces = interface_addresses()
    if interfaces:
        return interfaces[0]
    with contextlib.suppress(OSError):
        address = socket.gethostbyname(socket.gethostname())
        if _usable(address):
            return address
    return "127.0.0.1"


def interface_addresses() -> list[str]:
    """The IPv4 addresses of this machine's network interfaces, in the system's order, loopback
    and link-local (169.254.x.x: no network answered) left out; read with ``ifaddr``, which
    asks the system the same way on Linux, macOS and Windows. Empty when it cannot tell."""
    try:
        adapters = ifaddr.get_adapters()
    except OSError:
        return []
    found: list[str] = []
    for adapter in adapters:
        for ip in adapter.ips:
            if not ip.is_IPv4 or not isinstance(ip.ip, str):
                continue
            with contextlib.suppress(ValueError):
                if _usable(ip.ip) and not ipaddress.ip_address(ip.ip).is_link_local \
                        and ip.ip not in found:
                    found.append(ip.ip)
    return found


def _usable(address: str) -> bool:
    parsed = ipaddress.ip_address(address)
    return not (parsed.is_loopback or parsed.is_unspecified)


def student_url(host: str, port: int) -> str:
    """The address students open: ``host`` as given, or this machine's LAN address when the
    server listens on all interfaces."""
    address = lan_address() if host in EVERYWHERE else host
    return _url(address, port)


def other_urls(host: str, port: int, url: str) -> list[str]:
    """When listening on all interfaces: the addresses of this machine's other networks (a
    laptop on the school's wired network and on its own hotspot), besides ``url``."""
    if host not in EVERYWHERE:
        return []
    return [u for u in (_url(a, port) for a in interface_addresses()) if u != url]


def _url(address: str, port: int) -> str:
    if ":" in address:  # an IPv6 literal
        address = f"[{address}]"
    return f"http://{address}:{port}/"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (error correction M: readable from a projector or a screen)."""
    return segno.make(url, error="m", micro=False)


def terminal_text(url: str, others: Sequence[str] = ()) -> str:
    """What the terminal shows: the address, its QR code in block characters, the note, and
    the machine's ``others`` addresses (a student on another of its networks uses those)."""
    out = io.StringIO()
    qr_code(url).terminal(out=out, compact=True, border=2)
    also = (f"On another network of this computer: {', '.join(others)}\n" if others else "")
    return (f"\nClassroom mode: students open {url}\n{out.getvalue()}\n{TEACHER_NOTE}\n"
            f"Phones and laptops must be on the same network as this computer.\n{also}")


def banner_html(url: str, language: str = "en") -> str:
    """The page's banner in classroom mode: the address, its QR code (inline SVG) and the
    note, in ``language``."""
    svg = qr_code(url).svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                  title=f"QR code of {url}")
    link = html.escape(url)
    # Inline styles: the banner exists only in classroom mode and keeps page.css out of it.
    return (f"<div class='classroom' style='display:flex;flex-wrap:wrap;gap:1em;"
            f"align-items:center'><div class='classroom-qr'>{svg}</div>"
            f"<div style='flex:1;min-width:14em'><p style='font-size:1.2em'><b>"
            f"{html.escape(say(language, 'wall.banner_open'))}</b> <a href='{link}'>{link}</a>"
            f"</p><p class='warn'>{html.escape(say(language, 'wall.banner_note'))}</p></div>"
            f"</div>")
