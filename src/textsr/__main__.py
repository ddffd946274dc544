"""`python -m textsr VERB ...`: the same commands as the `textsr` entry point (textsr.cli)."""

from textsr.cli import main

raise SystemExit(main())
