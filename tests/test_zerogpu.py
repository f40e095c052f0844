"""ZeroGPU: the engine's model call is decorated with spaces.GPU, a short lease for live
methods and a longer one for Score-CAM; off ZeroGPU (here) nothing changes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
from conftest import ROOT


def test_engine_model_calls_are_leased_with_their_durations(tmp_path):
    """A stand-in ``spaces`` package records what is decorated and called; the real engine
    is imported and explains a drawing through it."""
    fake = tmp_path / "spaces"
    fake.mkdir()
    (fake / "__init__.py").write_text(textwrap.dedent("""
        DECORATED, CALLED = {}, []
        def GPU(duration=None):
            def wrap(function):
                DECORATED[function.__name__] = duration
                def leased(*args, **kwargs):
                    CALLED.append(function.__name__)
                    return function(*args, **kwargs)
                return leased
            return wrap
    """))
    script = textwrap.dedent("""
        import json, numpy as np, spaces
        from cam_core.explain import zerogpu
        from cam_core.explain.engine import load_explainer
        explainer = load_explainer(None, "cpu")
        result = explainer.explain(np.pad(np.eye(60, dtype=np.uint8) * 255, 20))
        print(json.dumps({"decorated": spaces.DECORATED, "called": spaces.CALLED,
                          "digit": result.digit, "live": zerogpu.LIVE_SECONDS,
                          "slow": zerogpu.SLOW_SECONDS}))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin"},
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["decorated"] == {"live_pass": seen["live"], "slow_pass": seen["slow"]}
    assert seen["live"] < seen["slow"] <= 60  # a stroke must not reserve a minute of quota
    assert seen["called"] == ["live_pass"] and seen["digit"] is not None


def test_with_the_real_spaces_package_and_no_gpu_the_engine_explains_as_before(explainer):
    import spaces  # noqa: F401  (installed from requirements.txt; a no-op off ZeroGPU)

    drawing = np.pad(np.eye(60, dtype=np.uint8) * 255, 20)
    result = explainer.explain(drawing, method="gradcam", layer="layer3")
    assert result.digit is not None and result.target_map.shape == (7, 7)
