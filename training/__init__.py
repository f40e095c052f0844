"""Making and measuring the model: :mod:`.train`, :mod:`.evaluate`, :mod:`.soup`, :mod:`.card`,
with :mod:`.augment`, :mod:`.marks`, :mod:`.styles`, :mod:`.scribbles` and :mod:`.datasets`.
Imports :mod:`cam_core`; a server that only serves needs nothing here."""
