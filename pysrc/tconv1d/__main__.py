"""``python -m tconv1d``: the short demo of the vendor's example layer."""

import sys

from .cli import main

sys.exit(main(["demo", *sys.argv[1:]]))
