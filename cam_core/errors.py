"""The one error type whose message is meant for the person using the app or the CLI.

Anything else raised inside ``cam_core`` is a bug: the app logs it and shows a generic
"something went wrong" line, so an internal check never reaches a student unlogged.

A message is named by its key in the words catalog (``InputError(key="inputs.too_small")``, see
:mod:`cam_core.serve.catalog`): ``str(error)`` is the English sentence (logs, the CLI), and
``error.message`` the :class:`~cam_core.serve.catalog.Message` that the page says in the
reader's language. A plain string is still accepted (it is shown as written, untranslated).
"""

from __future__ import annotations

from typing import Any

from cam_core.serve.catalog import Message


class PersonError(Exception):
    """Base of every error whose message a person can act on ("send a PNG or JPEG", "press
    Explain again"). Catch this, never ``ValueError``, to decide what a person may read.

    Args:
        message: the sentence (a :class:`~cam_core.serve.catalog.Message`, or a plain string
            shown as written); or
        key, values: the catalog key of the sentence and its placeholders' values.

    Attributes:
        message: the sentence, for :func:`cam_core.serve.catalog.told`.

    Raises: KeyError when ``key`` is not in the English catalog (a bug).
    """

    def __init__(self, message: str = "", /, *, key: str | None = None, **values: Any) -> None:
        self.message: str = Message(key, **values) if key is not None else message
        super().__init__(self.message)


class InputError(PersonError, ValueError):
    """The input cannot be read as an image or drawing; the message says what to send instead.
    Also a ``ValueError`` for callers that validate arguments."""


class ServerBusy(PersonError, RuntimeError):
    """Too many slow-method runs (Score-CAM) are already admitted; the message says what to do."""


class SettingsError(InputError):
    """A setting (class to explain, method, layer, colour map, opacity) is not one the app
    offers; the message names the value and what to choose instead. Also a ``ValueError``."""
