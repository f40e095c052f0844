"""``python -m cam_core {predict,train,evaluate,bench} ...``."""

import sys

from .cli import main

sys.exit(main())
