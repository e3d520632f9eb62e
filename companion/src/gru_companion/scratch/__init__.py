"""From scratch: the recurrent cells and layers in NumPy, with their exact gradients (Keras-free).

Every kind of :data:`gru_companion.kinds.KINDS` has a layer here: the shared loop over
time (:mod:`~gru_companion.scratch.recurrent_layer`), the tanh RNN, the LSTM and the GRU
(:mod:`~gru_companion.scratch.simple_rnn`, :mod:`~gru_companion.scratch.lstm`,
:mod:`~gru_companion.scratch.gru`, with a fast GRU beside the readable one), the three
simplified cells (:mod:`~gru_companion.scratch.variants`), the LSTM with peepholes
(:mod:`~gru_companion.scratch.peephole_lstm`), the dense read-out, Keras's
initial weights and the other conventions of writing a GRU. Importing this room defines
every layer, so that :func:`~gru_companion.scratch.recurrent_layer.layer_class` finds
each kind's class.
"""

from gru_companion.scratch import (  # noqa: F401  (registers the layers)
    gru,
    lstm,
    peephole_lstm,
    simple_rnn,
    variants,
)
