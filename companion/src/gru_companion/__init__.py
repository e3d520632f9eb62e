"""Companion package of the course *Gated Recurrent Units, proven*.

Importing the package first quiets TensorFlow before it is loaded: its C++ log lines
(``TF_CPP_MIN_LOG_LEVEL=3``) would otherwise land in notebook outputs under some
executors and not others, and oneDNN's reordered float sums (``TF_ENABLE_ONEDNN_OPTS=0``)
would change the last digits of results from one machine to the next. Both are
defaults only: a value already set in the environment wins. Import ``gru_companion``
before ``keras`` or ``tensorflow`` for them to take effect.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
