"""cam_core: class activation maps for a ResNet34 digit classifier.

Modules, in the order a drawing passes through them: :mod:`.service` (the app's requests:
batching, grouping, the controls' rules), :mod:`.strokes` (the drawing pad's strokes checked
and drawn), :mod:`.preprocess` (any input → 28×28 model input and its canvas transform: :mod:`.read`
reads it safely, :mod:`.ink` finds the ink, :mod:`.fit` fits it as MNIST was made),
:mod:`.engine` (one forward pass → prediction and class activation maps, using
:mod:`.methods` and :mod:`.model`), :mod:`.render` and :mod:`.views` (maps → pictures and
what the page shows). :mod:`.train`, :mod:`.evaluate`, :mod:`.calibrate` and :mod:`.bench` make and
measure the model. Nothing here imports Gradio.
"""

__version__ = "0.1.0"
