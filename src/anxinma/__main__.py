"""``python -m anxinma``: the same as the ``anxinma`` command."""

from anxinma.cli import main

main()
