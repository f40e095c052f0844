"""The one check of what a person (or a caller) asks the explainer for: the class to explain,
the method, the layer, the colour map and the opacity. Used by
:meth:`cam_core.explain.engine.Explainer.explain_batch` and
:meth:`cam_core.serve.service.Settings.checked`, so both refuse the same values with the same
sentences.
"""

from __future__ import annotations

import numpy as np

from cam_core.errors import SettingsError
from cam_core.explain.methods import METHODS, why_not_layer
from cam_core.explain.render import COLORMAPS
from cam_core.model.network import FEATURE_LAYERS

PREDICTION = "prediction"  # the class to explain when it is the predicted digit


def check_settings(target: int | str | None, method: str, layer: str, colormap: str,
                   opacity: float | str) -> tuple[int | None, float]:
    """Check one request's settings; return the class to explain and the opacity as numbers.

    Args:
        target: a class 0–9 (int, or a string ``"0"``–``"9"``), or None / ``""`` /
            ``"prediction"`` for the predicted digit.
        method: a name in :data:`cam_core.explain.methods.METHODS`.
        layer: a layer the method works on (``layer2``–``layer4``; CAM: ``layer4`` only).
        colormap: a name in :data:`cam_core.explain.render.COLORMAPS`.
        opacity: the heatmap's opacity in [0, 1] (a number, or text of one).

    Returns: ``(target as int or None, opacity as float)``.

    Raises: SettingsError (a ``ValueError``) naming the bad value and what to choose instead.
    """
    is_digit = (target in {str(d) for d in range(10)} if isinstance(target, str) else
                isinstance(target, int | np.integer) and not isinstance(target, bool)
                and 0 <= target <= 9)
    if target is None or target in ("", PREDICTION):
        digit = None
    elif is_digit:
        digit = int(target)  # type: ignore[arg-type]
    else:
        raise SettingsError(key="controls.bad_target", target=repr(target),
                            prediction=repr(PREDICTION))
    if method not in METHODS:
        raise SettingsError(key="controls.unknown_method", method=repr(method),
                            choices=", ".join(METHODS))
    if layer not in FEATURE_LAYERS[1:]:
        raise SettingsError(key="controls.unknown_layer", layer=repr(layer),
                            choices=", ".join(METHODS[method].layers))
    if layer not in METHODS[method].layers:  # a layer the method does not work on: why
        raise SettingsError(why_not_layer(method))
    if colormap not in COLORMAPS:
        raise SettingsError(key="controls.unknown_colormap", colormap=repr(colormap),
                            choices=", ".join(COLORMAPS))
    try:
        value = float(opacity)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise SettingsError(key="controls.bad_opacity", opacity=repr(opacity))
    return digit, value
