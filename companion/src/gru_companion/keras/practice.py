"""What ``keras.layers.GRU``'s flags do, made observable: masks, chunks, copies, dropout.

Padding and masks, stateful runs in chunks, copies with changed settings, dropout masks.

Each function runs Keras and returns NumPy arrays or small dataclasses, so that the
chapter *GRUs in Keras, in practice* can print and assert what it claims:

* :func:`pad_batch` and :func:`masked_run`: with a mask, a padded step leaves the state as
  it was, so the final state of a padded sequence equals that of the sequence run alone,
  whether the padding is on the right or on the left; without a mask it does not.
* :func:`gru_like`: a GRU with another layer's weights and some settings changed
  (``stateful``, ``dropout``, ``unroll``, ...), to compare the two.
* :func:`run_in_chunks`: a stateful layer fed a sequence piece by piece.
* :func:`dropout_masks`: the masks ``dropout`` and ``recurrent_dropout`` draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gru_companion.validation import check_bool, check_choice, check_positive_int

#: Where :func:`pad_batch` puts the padding: after the real steps or before them.
PADDINGS = ("post", "pre")


def _check_sequences(sequences: Sequence[Any]) -> list[np.ndarray]:
    if isinstance(sequences, np.ndarray) or len(sequences) == 0:
        raise ValueError("sequences must be a non-empty list of (steps, features) arrays")
    arrays = [np.asarray(sequence) for sequence in sequences]
    features = {array.shape[-1] if array.ndim == 2 else None for array in arrays}
    if None in features or len(features) != 1:
        shapes = [array.shape for array in arrays]
        raise ValueError(
            f"each sequence must be 2-D (steps, features) with the same features; got {shapes}"
        )
    if any(len(array) == 0 for array in arrays):
        raise ValueError("every sequence must have at least one step")
    return arrays


def pad_batch(
    sequences: Sequence[Any], *, padding: str = "post", dtype: str = "float32"
) -> tuple[np.ndarray, np.ndarray]:
    """Pad sequences of different lengths with zeros into one batch, and make its mask.

    Parameters
    ----------
    sequences
        A list of arrays of shape (steps_i, features), the same features for all.
    padding
        ``"post"``: zeros after each sequence (right padding); ``"pre"``: before it
        (left padding), as ``keras.utils.pad_sequences`` names them.
    dtype
        The dtype of the padded batch.

    Returns
    -------
    tuple of numpy.ndarray
        The batch, shape (batch, max_steps, features), and the mask, booleans of shape
        (batch, max_steps), ``True`` at real steps.
    """
    check_choice("padding", padding, PADDINGS)
    arrays = _check_sequences(sequences)
    steps = max(len(array) for array in arrays)
    batch = np.zeros((len(arrays), steps, arrays[0].shape[1]), dtype=dtype)
    mask = np.zeros((len(arrays), steps), dtype=bool)
    for row, array in enumerate(arrays):
        where = slice(0, len(array)) if padding == "post" else slice(steps - len(array), steps)
        batch[row, where] = array
        mask[row, where] = True
    return batch, mask


@dataclass(frozen=True)
class MaskedRun:
    """A recurrent layer run over a padded batch, beside each sequence run alone.

    Attributes
    ----------
    padding
        ``"post"`` or ``"pre"``.
    used_mask
        Whether the mask was passed to the layer.
    mask
        (batch, steps): ``True`` at real steps.
    outputs
        (batch, steps, units): what the layer returned at every step of the padded batch.
    final_states
        (batch, units): the final states for the padded batch.
    alone_final_states
        (batch, units): the final state of each sequence run by itself, with no padding.
    """

    padding: str
    used_mask: bool
    mask: np.ndarray
    outputs: np.ndarray
    final_states: np.ndarray
    alone_final_states: np.ndarray

    @property
    def final_state_error(self) -> float:
        """Largest difference between the padded-batch and the alone final states."""
        return float(np.max(np.abs(self.final_states - self.alone_final_states)))


def _check_rnn(layer: Any, *, return_sequences: bool, return_state: bool) -> None:
    import keras

    if not isinstance(layer, keras.layers.RNN):
        raise TypeError(f"layer must be a keras.layers.RNN (e.g. GRU), got {type(layer).__name__}")
    if return_sequences and not layer.return_sequences:
        raise ValueError(f"layer {layer.name!r} must be built with return_sequences=True")
    if return_state and not layer.return_state:
        raise ValueError(f"layer {layer.name!r} must be built with return_state=True")


def masked_run(
    layer: Any,
    sequences: Sequence[Any],
    *,
    padding: str = "post",
    use_mask: bool = True,
) -> MaskedRun:
    """Run ``layer`` over ``sequences`` padded into one batch, and over each alone.

    Parameters
    ----------
    layer
        A ``keras.layers.GRU`` (or other single-state RNN) made with
        ``return_sequences=True, return_state=True``.
    sequences
        Arrays of shape (steps_i, features).
    padding
        ``"post"`` (right) or ``"pre"`` (left), see :func:`pad_batch`.
    use_mask
        Whether to pass the padding mask to the layer.
    """
    check_bool("use_mask", use_mask)
    _check_rnn(layer, return_sequences=True, return_state=True)
    batch, mask = pad_batch(sequences, padding=padding, dtype=layer.compute_dtype)
    outputs, final_states = layer(batch, mask=mask if use_mask else None)[:2]
    alone = [
        np.asarray(layer(np.asarray(sequence, dtype=layer.compute_dtype)[None])[1])[0]
        for sequence in sequences
    ]
    return MaskedRun(
        padding=padding,
        used_mask=use_mask,
        mask=mask,
        outputs=np.asarray(outputs),
        final_states=np.asarray(final_states),
        alone_final_states=np.stack(alone),
    )


def gru_like(layer: Any, *, name: str, batch_size: int | None = None, **overrides: Any) -> Any:
    """A new ``keras.layers.GRU`` with ``layer``'s settings and weights, some settings changed.

    Parameters
    ----------
    layer
        A built ``keras.layers.GRU``.
    name
        The new layer's name.
    batch_size
        The batch size the new layer is built for: required with ``stateful=True``
        (a stateful layer keeps one state per row of a fixed-size batch).
    **overrides
        Settings to change, e.g. ``stateful=True``, ``dropout=0.5``, ``unroll=True``.
        Settings that change the weights' shapes (``units``, ``use_bias``,
        ``reset_after``) make the copy fail.

    Returns
    -------
    keras.layers.GRU
        Built, holding copies of ``layer``'s weights.
    """
    import keras

    if not isinstance(layer, keras.layers.GRU):
        raise TypeError(f"layer must be a keras.layers.GRU, got {type(layer).__name__}")
    if not layer.built:
        raise ValueError(f"layer {layer.name!r} must be built (it has no weights to copy yet)")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r}")
    if batch_size is not None:
        check_positive_int("batch_size", batch_size)
    reshaping = {"units", "use_bias", "reset_after"} & set(overrides)
    if reshaping:
        raise ValueError(f"cannot copy weights when changing {sorted(reshaping)}")
    config = {**layer.get_config(), **overrides, "name": name}
    if config.get("stateful") and batch_size is None:
        raise ValueError("a stateful copy needs batch_size")
    copy = keras.layers.GRU.from_config(config)
    copy.build((batch_size, None, layer.cell.kernel.shape[0]))
    copy.set_weights(layer.get_weights())
    return copy


def run_in_chunks(layer: Any, x: Any, chunk_length: int) -> np.ndarray:
    """Feed ``x`` to a stateful layer ``chunk_length`` steps at a time, from a zero state.

    The layer's state is reset first; after each call it holds the last state of the
    chunk, which the next call starts from.

    Parameters
    ----------
    layer
        A stateful ``keras.layers.RNN`` with ``return_sequences=True``, built for
        ``x``'s batch size.
    x
        Inputs of shape (batch, steps, features).
    chunk_length
        Steps per call; the last chunk may be shorter.

    Returns
    -------
    numpy.ndarray
        The outputs of all chunks joined along time: (batch, steps, units).
    """
    _check_rnn(layer, return_sequences=True, return_state=False)
    if not layer.stateful:
        raise ValueError(f"layer {layer.name!r} must be stateful")
    check_positive_int("chunk_length", chunk_length)
    array = np.asarray(x, dtype=layer.compute_dtype)
    if array.ndim != 3:
        raise ValueError(f"x must be 3-D (batch, steps, features), got shape {array.shape}")
    layer.reset_state()
    outputs = [
        np.asarray(layer(array[:, start : start + chunk_length]))
        for start in range(0, array.shape[1], chunk_length)
    ]
    return np.concatenate(outputs, axis=1)


@dataclass(frozen=True)
class DropoutMasks:
    """The dropout masks a GRU draws for one batch.

    Each mask holds 0 (dropped) or 1 / (1 − rate) (kept and scaled). The arrays have shape
    (k, batch, width): k = 1 mask shared by the three gates, or k = 3, one per gate, which
    Keras draws when ``recurrent_dropout`` > 0 (its step-by-step "implementation 1").

    Attributes
    ----------
    inputs
        The mask on the input features x_t (width = features), or ``None`` if
        ``dropout`` is 0.
    recurrent
        The mask on the previous state h_{t-1} (width = units), or ``None`` if
        ``recurrent_dropout`` is 0.
    """

    inputs: np.ndarray | None
    recurrent: np.ndarray | None


def dropout_masks(layer: Any, x: Any) -> DropoutMasks:
    """Draw the dropout masks ``layer`` uses in training for the batch ``x``.

    Keras draws each mask once per batch, from the first step's shape, and applies the
    same mask at every step of the sequence. This asks the layer's cell for them (as the
    layer does before its loop) and clears them again afterwards.

    Parameters
    ----------
    layer
        A built ``keras.layers.GRU``.
    x
        Inputs of shape (batch, steps, features).
    """
    import keras

    if not isinstance(layer, keras.layers.GRU) or not layer.built:
        raise TypeError(f"layer must be a built keras.layers.GRU, got {layer!r}")
    cell = layer.cell
    first_step = keras.ops.convert_to_tensor(np.asarray(x)[:, 0, :], dtype=cell.compute_dtype)
    state = keras.ops.zeros((first_step.shape[0], cell.units), dtype=cell.compute_dtype)

    def as_array(mask: Any) -> np.ndarray | None:
        if mask is None:
            return None
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        return np.stack([np.asarray(m) for m in masks])

    try:
        inputs = as_array(cell.get_dropout_mask(first_step))
        recurrent = as_array(cell.get_recurrent_dropout_mask(state))
    finally:
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    return DropoutMasks(inputs=inputs, recurrent=recurrent)
