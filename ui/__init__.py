"""The app's Gradio side, in the order a stroke passes through it: :mod:`.pad` (the drawing
pad component; its behaviour in ``pad.js``, its look in ``pad.css``) and :mod:`.upload` (the
upload component), :mod:`.layout` (the page and its events), :mod:`.handlers` (thin callbacks
that turn widget values into :mod:`cam_core.serve.service` requests and its answers into widget
values). No image maths here."""
