"""Equal parameter budgets: how many units each kind gets for a given number of parameters.

Comparisons between kinds are fair only at equal size. Following Chung et al. (2014), a
model here is one recurrent layer and its ``Dense`` read-out; :func:`model_size` counts it
and :func:`units_for_budget` finds the width whose count comes closest to a budget, for
any kind of :data:`gru_companion.kinds.KINDS`. The counts are those of
:func:`~gru_companion.analysis.param_counts.recurrent_params`, read from the kind's row: a
kind with peepholes (``"peephole_lstm"``) has its peephole weights counted, and a GRU is
counted with two bias vectors per block (Keras 3's ``reset_after=True``) unless
``reset_after=False`` says otherwise (the GRU of Chung et al. has one).
"""

from __future__ import annotations

from dataclasses import dataclass

from gru_companion.analysis.param_counts import dense_params, recurrent_params
from gru_companion.kinds import kind_of
from gru_companion.validation import check_bool, check_positive_int


@dataclass(frozen=True)
class ModelSize:
    """The size of a model: a recurrent layer and its ``Dense`` read-out.

    Attributes
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    units
        Units of the recurrent layer.
    recurrent
        Parameters of the recurrent layer.
    readout
        Parameters of the ``Dense`` read-out.
    """

    kind: str
    units: int
    recurrent: int
    readout: int

    @property
    def total(self) -> int:
        """All parameters of the model."""
        return self.recurrent + self.readout


def model_size(
    kind: str, features: int, units: int, output_dim: int = 1, *, reset_after: bool = True
) -> ModelSize:
    """Count a model made of one recurrent layer and a ``Dense(output_dim)`` read-out.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    features
        Features per time step.
    units
        Units of the recurrent layer.
    output_dim
        Width of the read-out.
    reset_after
        GRU only: ``True`` (Keras 3's default) counts an input and a recurrent bias per
        block, ``False`` one. Ignored for the kinds without that option.

    Examples
    --------
    >>> model_size("gru", 88, 36, 88).total
    16864
    >>> model_size("gru", 88, 36, 88, reset_after=False).total
    16756
    """
    recurrent = recurrent_params(kind, features, units, reset_after=reset_after).count
    readout = dense_params(units, output_dim).count
    return ModelSize(kind=kind, units=units, recurrent=recurrent, readout=readout)


def units_for_budget(
    kind: str, features: int, budget: int, output_dim: int = 1, *, reset_after: bool = True
) -> ModelSize:
    """The number of units whose model comes closest to ``budget`` parameters.

    The model is the recurrent layer and its ``Dense(output_dim)`` read-out
    (:func:`model_size`). Its count grows with the units, so the closest count is found by
    walking up until the budget is passed; a tie goes to the smaller model.

    Parameters
    ----------
    kind
        A key of :data:`gru_companion.kinds.KINDS`.
    features
        Features per time step.
    budget
        The parameter count to match, at least the count of a one-unit model.
    output_dim
        Width of the read-out.
    reset_after
        GRU only, as in :func:`model_size`.

    Returns
    -------
    ModelSize
        The units and the exact counts.

    Raises
    ------
    ValueError
        If even one unit exceeds the budget.

    Examples
    --------
    >>> [units_for_budget(k, 88, 20_000, 88).units for k in ("simple_rnn", "lstm", "gru")]
    [78, 34, 41]

    The LSTM with peepholes has 3 parameters more per unit than the LSTM; the GRU of
    Chung et al. (2014) one bias vector per block fewer than Keras 3's:

    >>> units_for_budget("peephole_lstm", 88, 20_000, 88).units
    34
    >>> units_for_budget("gru", 88, 20_000, 88, reset_after=False).units
    42
    """
    kind_of(kind)
    check_positive_int("features", features)
    check_positive_int("budget", budget)
    check_positive_int("output_dim", output_dim)
    check_bool("reset_after", reset_after)
    smallest = model_size(kind, features, 1, output_dim, reset_after=reset_after)
    if smallest.total > budget:
        raise ValueError(
            f"a {kind} model with one unit already has {smallest.total} parameters, "
            f"more than the budget {budget}"
        )
    best = smallest
    units = 1
    while True:
        units += 1
        size = model_size(kind, features, units, output_dim, reset_after=reset_after)
        if abs(size.total - budget) < abs(best.total - budget):
            best = size
        if size.total >= budget:
            return best
