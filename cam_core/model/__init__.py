"""The network (:mod:`.network`), its weights file (:mod:`.weights`) and calibrated
probabilities with the "not a digit" score (:mod:`.calibrate`)."""
