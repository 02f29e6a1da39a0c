"""``python -m tconv1d``: the ``tconv1d`` command, same subcommands and flags.

With no subcommand it runs the demo: ``python -m tconv1d`` alone, or with the
demo's options (``python -m tconv1d --dtype float64``).
"""

import sys

from .cli import PATH_FLAGS, SUBCOMMANDS, main

args = sys.argv[1:]
top_level = {"-h", "--help", "--version", *PATH_FLAGS}
if not args or (args[0] not in SUBCOMMANDS and args[0] not in top_level and args[0].startswith("-")):
    args = ["demo", *args]
sys.exit(main(args))
