"""Shared test settings: import the package (which quiets TensorFlow) before Keras."""

from hypothesis import settings

import gru_companion  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL before keras is imported)

# Reproducible in CI: the same examples every run, no timing-based failures (building a
# Keras layer takes tens of milliseconds, more on a loaded machine).
settings.register_profile("course", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("course")
