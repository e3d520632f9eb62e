r"""Analysis: what the cells cost and how they behave, by formula and by probe (Keras-free).

Every function here takes a kind by its key and reads what it needs of it (blocks, gates,
states, names) from :data:`gru_companion.kinds.KINDS`, so a new kind is counted and probed
without editing this room. In the order the book teaches them:

* :mod:`~gru_companion.analysis.param_counts`: parameter counts of every layer by formula,
  checked against a Keras model's own (``explain_model`` duck-types the model, without
  importing Keras).
* :mod:`~gru_companion.analysis.gate_probes`: gates held fixed, blocks made constant, gates
  traced step by step and compared at marked steps, on the NumPy layers.
* :mod:`~gru_companion.analysis.hand_set_cells`: GRU, LSTM and tanh RNN cells with weights
  set by hand, and their state Jacobians.
* :mod:`~gru_companion.analysis.worked_examples`: one GRU step as arithmetic a reader can
  redo on paper, and a scalar GRU's gradient path by path.
* :mod:`~gru_companion.analysis.step_costs`: the multiply-adds, FLOPs, state, weights and
  BPTT cache of one step and of a sequence.
* :mod:`~gru_companion.analysis.gradient_flow`: how far back a gradient reaches, the exact
  norms of :math:`\partial h_T / \partial h_t`.
* :mod:`~gru_companion.analysis.budgets`: the units each kind gets for a parameter budget.
"""
