"""Classroom mode (``python app.py --classroom``): where it listens, the address it gives
students, and that address as a QR code a phone can read (decoded here with OpenCV)."""

from __future__ import annotations

import functools
import io
import ipaddress
import json
import sys
from types import SimpleNamespace

import cv2
import ifaddr
import numpy as np
import pytest

import app
from cam_core.serve.catalog import say
from cam_core.serve.classes import Classes
from ui import classroom
from ui.class_bar import ClassPage


class NoRoute:
    """A UDP socket on a machine with no default route (a laptop's own hotspot, no internet):
    connecting it fails, as the address probe meets it there."""

    def __init__(self, *args):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False

    def connect(self, address):
        raise OSError("Network is unreachable")

def test_the_app_listens_beyond_this_machine_only_when_asked(monkeypatch):
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    assert app.parse_args([]).host == "127.0.0.1"
    assert app.parse_args(["--classroom"]).host == "0.0.0.0"
    chosen = app.parse_args(["--classroom", "--host", "10.1.2.3", "--port", "8080"])
    assert (chosen.host, chosen.port, chosen.classroom) == ("10.1.2.3", 8080, True)
    monkeypatch.setenv("GRADIO_SERVER_NAME", "192.168.5.5")  # a Space or a launcher's choice
    assert app.parse_args(["--classroom"]).host == "192.168.5.5"


def test_students_get_this_machines_network_address_found_offline(monkeypatch):
    """All interfaces: the LAN address (a UDP socket's route, no packet sent); a given host is
    kept; no network at all gives loopback rather than an error."""
    monkeypatch.setattr(classroom, "lan_address", lambda: "192.168.1.23")
    assert classroom.student_url("0.0.0.0", 7860) == "http://192.168.1.23:7860/"
    assert classroom.student_url("10.0.0.5", 8080) == "http://10.0.0.5:8080/"
    assert classroom.student_url("fe80::1", 80) == "http://[fe80::1]:80/"
    monkeypatch.undo()
    address = ipaddress.ip_address(classroom.lan_address())  # whatever this machine has
    assert address.version == 4 and not address.is_unspecified

    monkeypatch.setattr(classroom.socket, "socket", NoRoute)
    # No default route (a laptop's own hotspot, no internet): the hotspot's address.
    monkeypatch.setattr(classroom, "interface_addresses", lambda: ["10.42.0.1"])
    assert classroom.lan_address() == "10.42.0.1"
    monkeypatch.setattr(classroom, "interface_addresses", lambda: [])
    monkeypatch.setattr(classroom.socket, "gethostbyname", lambda name: "127.0.1.1")
    assert classroom.lan_address() == "127.0.0.1"


def _adapter(name: str, nice_name: str, *ips: tuple) -> ifaddr.Adapter:
    return ifaddr.Adapter(name, nice_name, [ifaddr.IP(ip, prefix, nice_name)
                                            for ip, prefix in ips])


# What ifaddr reports on each system (names and shapes as ifaddr gives them: IPv6 as a tuple).
WINDOWS = [
    _adapter("{4D36E972-E325-11CE-BFC1-08002BE10318}", "Intel(R) Wi-Fi 6 AX201 160MHz",
             (("fe80::1c2d:3e4f:5a6b:7c8d", 0, 12), 64), ("192.168.178.34", 24)),
    _adapter("{5A1B2C3D-0000-4000-8000-000000000001}", "Bluetooth Device (Personal Area Network)",
             ("169.254.12.7", 16)),  # no network answered it: link-local
    _adapter("{00000000-0000-0000-0000-000000000001}", "Software Loopback Interface 1",
             (("::1", 0, 0), 128), ("127.0.0.1", 8)),
    _adapter("{6B2C3D4E-0000-4000-8000-000000000002}", "Microsoft Wi-Fi Direct Virtual Adapter",
             ("192.168.137.1", 24)),  # the laptop's own hotspot ("Mobile hotspot")
]
MACOS = [
    _adapter("lo0", "lo0", ("127.0.0.1", 8), (("::1", 0, 0), 128)),
    _adapter("en0", "en0", (("fe80::8a3:9f0e:1b2c:3d4e", 0, 6), 64), ("10.20.30.40", 22)),
    _adapter("bridge100", "bridge100", ("192.168.2.1", 24)),  # Internet Sharing
    _adapter("utun3", "utun3", (("fe80::ce81:b1c:bd2c:69e", 0, 17), 64)),
]


@pytest.mark.parametrize("system, adapters, expected", [
    ("win32", WINDOWS, ["192.168.178.34", "192.168.137.1"]),
    ("darwin", MACOS, ["10.20.30.40", "192.168.2.1"]),
])
def test_interfaces_are_read_the_same_way_on_windows_and_macos(monkeypatch, system, adapters,
                                                               expected):
    """No Linux-only call: on each system's adapters (as ifaddr reports them) the students get
    the Wi-Fi's address, and the hotspot's as another; loopback, IPv6 and link-local are left
    out; with no route at all the first interface answers."""
    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(ifaddr, "get_adapters", lambda: adapters)
    assert classroom.interface_addresses() == expected

    monkeypatch.setattr(classroom.socket, "socket", NoRoute)
    assert classroom.lan_address() == expected[0]
    url = classroom.student_url("0.0.0.0", 7860)
    assert url == f"http://{expected[0]}:7860/"
    assert classroom.other_urls("0.0.0.0", 7860, url) == [f"http://{expected[1]}:7860/"]


def test_an_unreadable_interface_list_is_not_an_error(monkeypatch):
    def refused():
        raise OSError("access denied")

    monkeypatch.setattr(ifaddr, "get_adapters", refused)
    assert classroom.interface_addresses() == []


def test_the_other_networks_of_this_computer_are_named_too(monkeypatch):
    """A laptop on the school's network and on its own hotspot: students on either find it."""
    for address in classroom.interface_addresses():  # this machine's, read offline
        assert not ipaddress.ip_address(address).is_loopback
    monkeypatch.setattr(classroom, "interface_addresses", lambda: ["192.168.1.23", "10.42.0.1"])
    url = "http://192.168.1.23:7860/"
    others = classroom.other_urls("0.0.0.0", 7860, url)
    assert others == ["http://10.42.0.1:7860/"]
    assert classroom.other_urls("192.168.1.23", 7860, url) == []  # listening on one only
    assert "http://10.42.0.1:7860/" in classroom.terminal_text(url, others)


def _decode(png: bytes) -> str:
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    return cv2.QRCodeDetector().detectAndDecode(image)[0]


def test_the_qr_code_reads_back_as_the_address():
    url = "http://192.168.1.23:7860/"
    png = io.BytesIO()
    classroom.qr_code(url).save(png, kind="png", scale=8, border=4)
    assert _decode(png.getvalue()) == url
    text = classroom.terminal_text(url)
    assert url in text and "Anyone on this network" in text
    assert "█" in text or "▀" in text  # the code itself, in block characters
    # The terminal's blocks, drawn back as pixels, are the same code.
    rows = [line for line in text.splitlines() if line and set(line) <= set("█▀▄ ")]
    pixels = np.array([[[255 if c in "█▀" else 0 for c in row],
                        [255 if c in "█▄" else 0 for c in row]] for row in rows],
                      np.uint8).reshape(-1, len(rows[0]))
    big = cv2.resize(pixels, None, fx=8, fy=8, interpolation=cv2.INTER_NEAREST)
    big = cv2.copyMakeBorder(big, 32, 32, 32, 32, cv2.BORDER_CONSTANT, value=255)
    assert _decode(cv2.imencode(".png", big)[1].tobytes()) == url


def test_the_page_shows_the_address_and_its_qr_code_only_in_classroom_mode(untrained):
    url = "http://192.168.1.23:7860/"
    banner = classroom.banner_html(url)
    assert url in banner and "<svg" in banner and "Anyone on this network" in banner

    def html_values(demo) -> list[str]:
        config = demo.get_config_file()
        return [c["props"].get("value") or "" for c in config["components"]
                if c["type"] == "html"]

    shown = html_values(app.build_demo(untrained, classroom_url=url))
    assert any(url in value and "<svg" in value for value in shown)
    assert not any(url in value for value in html_values(app.build_demo(untrained)))
    json.dumps(shown)  # the banner travels in the page's configuration


@pytest.mark.parametrize("argv", [["--classroom"], []])
def test_main_prints_the_address_and_qr_code_in_classroom_mode(argv, monkeypatch, capsys,
                                                                untrained):
    """``main`` prints the address and QR code before serving (launch is stubbed here)."""
    for name in ("GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(classroom, "lan_address", lambda: "192.168.1.23")
    import cam_core.explain.engine

    monkeypatch.setattr(cam_core.explain.engine, "load_explainer", lambda *args: untrained)
    launched = {}
    monkeypatch.setattr(app.gr.Blocks, "launch", lambda self, **kwargs: launched.update(
        kwargs) or (None, "http://127.0.0.1:7860/", None))
    monkeypatch.setattr(app.gr.Blocks, "block_thread", lambda self: None)
    app.main(argv)
    printed = capsys.readouterr().out
    if argv:  # a class is started: its link in the QR code, the wall's (with the key) printed
        assert "http://192.168.1.23:7860/?class=" in printed
        assert "Anyone on this network" in printed
        assert "http://192.168.1.23:7860/wall?class=" in printed and "&key=" in printed
        assert launched["server_name"] == "0.0.0.0"
    else:
        assert "Anyone on this network" not in printed and "class" not in printed
        assert launched["server_name"] == "127.0.0.1"


def test_the_classroom_banner_speaks_the_readers_language():
    url = "http://192.168.1.23:7860/"
    german = classroom.banner_html(url, "de")
    assert say("de", "wall.banner_open") in german and url in german
    assert "Anyone on this network" not in german
    page = ClassPage(Classes(), url, functools.partial(classroom.banner_html, url))
    request = SimpleNamespace(query_params={"lang": "ar"}, headers={})
    banner = page.on_load(None, request)[-1]
    assert say("ar", "wall.banner_note") in banner["value"]
