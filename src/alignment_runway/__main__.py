"""``python -m alignment_runway``: the same as the ``alignment-runway`` command."""

from alignment_runway.cli import main

main()
