"""The one error type whose message is meant for the person using the app or the CLI.

Anything else raised inside ``cam_core`` is a bug: the app logs it and shows a generic
"something went wrong" line, so an internal check never reaches a student unlogged.
"""

from __future__ import annotations


class PersonError(Exception):
    """Base of every error whose message a person can act on ("send a PNG or JPEG", "press
    Explain again"). Catch this, never ``ValueError``, to decide what a person may read."""


class InputError(PersonError, ValueError):
    """The input cannot be read as an image or drawing; the message says what to send instead.
    Also a ``ValueError`` for callers that validate arguments."""


class ServerBusy(PersonError, RuntimeError):
    """Too many slow-method runs (Score-CAM) are already admitted; the message says what to do."""


class SettingsError(InputError):
    """A setting (class to explain, method, layer, colour map, opacity) is not one the app
    offers; the message names the value and what to choose instead. Also a ``ValueError``."""
