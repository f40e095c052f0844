"""cam_core: class activation maps for a ResNet34 digit classifier.

Modules, in the order a drawing passes through them: :mod:`.service` (the app's requests:
batching, grouping, the controls' rules), :mod:`.strokes` (the drawing pad's strokes checked
and drawn), :mod:`.preprocess` (any input → 28×28 model input and its canvas transform: :mod:`.read`
reads it safely, :mod:`.ink` finds the ink, :mod:`.fit` fits it as MNIST was made),
:mod:`.engine` (prediction and class activation maps, cached; its batched model pass in
:mod:`.passes`, using :mod:`.methods` and :mod:`.model`; on ZeroGPU with a GPU lease,
:mod:`.zerogpu`), :mod:`.render` and :mod:`.views` (maps → pictures and what the page shows).
Teaching views: :mod:`.teaching`, and :mod:`.trust` (ROAD on the student's drawing, with
:mod:`.road`). :mod:`.train`, :mod:`.evaluate`, :mod:`.calibrate` and :mod:`.bench` make and
measure the model (with :mod:`.augment`, :mod:`.styles` and :mod:`.marks`). Person-facing
errors: :mod:`.errors`. Nothing here imports Gradio.
"""

__version__ = "0.1.0"
