"""``python -m gru_companion.experiments``: the one command line of the long runs."""

from gru_companion.experiments.runs import main

raise SystemExit(main())
