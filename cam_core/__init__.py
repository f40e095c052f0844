"""cam_core: class activation maps for a ResNet34 digit classifier. Nothing here imports Gradio.

One package a layer, in the order a drawing passes through them:

- :mod:`cam_core.inputs`: untrusted files and the pad's strokes →
:class:`~cam_core.inputs.prepare.Prepared`
  (read safely, ink found, fitted as MNIST was made).
- :mod:`cam_core.model`: the network, its weights file, calibrated probabilities.
- :mod:`cam_core.explain`: CAM and the gradient methods, the engine (cache, batching of many
  people's passes, ZeroGPU), rendering maps over the person's picture, ROAD.
- :mod:`cam_core.serve`: what the page asks and says: the service (requests of many students),
  the panels, the teaching views and how far a map can be trusted.

Person-facing errors: :mod:`cam_core.errors`. Training and evaluation live beside this package,
in ``training/`` (which imports ``cam_core``; never the reverse).
"""

__version__ = "0.1.0"
