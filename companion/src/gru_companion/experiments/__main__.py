"""``python -m gru_companion.experiments``: runs :func:`gru_companion.experiments.cli.main`."""

from gru_companion.experiments.cli import main

raise SystemExit(main())
