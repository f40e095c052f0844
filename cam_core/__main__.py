"""``python -m cam_core predict IMAGE...`` (see :mod:`cam_core.cli`)."""

import sys

from cam_core.cli import main

sys.exit(main())
