"""The typical introductory GRU model: Embedding → GRU → SimpleRNN → Dense.

It reads sequences of token ids from a vocabulary of 1,000, embeds each in 64 numbers,
runs a 256-unit GRU that returns its whole output sequence, condenses that sequence with
a 128-unit SimpleRNN into one vector, and maps it to 10 class scores.
"""

from __future__ import annotations

from typing import Any

from gru_companion.analysis.param_counts import LayerSpec
from gru_companion.validation import check_bool

VOCABULARY_SIZE = 1000
EMBEDDING_DIM = 64
GRU_UNITS = 256
SIMPLE_RNN_UNITS = 128
NUM_CLASSES = 10

#: The model as layer specs, for :func:`gru_companion.analysis.param_counts.count_stack`.
SEED_LAYERS = (
    LayerSpec("embedding", EMBEDDING_DIM),
    LayerSpec("gru", GRU_UNITS),
    LayerSpec("simple_rnn", SIMPLE_RNN_UNITS),
    LayerSpec("dense", NUM_CLASSES),
)


def build_seed_model(with_input: bool = True) -> Any:
    """Build the typical introductory model in Keras.

    Parameters
    ----------
    with_input
        ``True``: the model starts with ``keras.Input(shape=(None,), dtype="int32")``
        (sequences of any length), so it is built and every layer has weights.
        ``False``: no input is given, as in many tutorials; the layers stay unbuilt until
        the model first sees data.

    Returns
    -------
    keras.Sequential
        Named ``"seed_model"``, with layers ``embedding``, ``gru``, ``simple_rnn``, ``dense``.
    """
    check_bool("with_input", with_input)
    import keras

    layers = [
        keras.layers.Embedding(VOCABULARY_SIZE, EMBEDDING_DIM, name="embedding"),
        keras.layers.GRU(GRU_UNITS, return_sequences=True, name="gru"),
        keras.layers.SimpleRNN(SIMPLE_RNN_UNITS, name="simple_rnn"),
        keras.layers.Dense(NUM_CLASSES, name="dense"),
    ]
    if with_input:
        layers.insert(0, keras.Input(shape=(None,), dtype="int32", name="token_ids"))
    return keras.Sequential(layers, name="seed_model")
