"""Untrusted input → model input: :mod:`.read` (files, safely), :mod:`.jpeg` (large JPEG headers),
:mod:`.strokes` (the pad's strokes checked and drawn), :mod:`.ink` (ink found in a picture),
:mod:`.fit` (fitted as MNIST was made), :mod:`.prepare` (one call for all of it)."""
