"""``python -m cnn_scratch ...`` runs the command line (same as ``cnn-scratch ...``); see ``cli.py``."""

import sys

from .cli import main

sys.exit(main())
