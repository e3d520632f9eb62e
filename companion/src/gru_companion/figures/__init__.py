"""Figures: the course's drawings, made with matplotlib (no other room imports it).

In the order the book teaches them:

* :mod:`~gru_companion.figures.cell_diagrams`: a SimpleRNN, an LSTM and a GRU cell drawn
  with the symbols of their equations, one path highlighted on request; the GRU built in
  three stages; the GRU and the LSTM with their corresponding parts in the same colours.
* :mod:`~gru_companion.figures.weight_layout`: a layer's kernel, recurrent kernel and bias,
  one square per weight, with their gate blocks.
* :mod:`~gru_companion.figures.unrolled`: a recurrent layer unrolled in time, one copy of
  its cell per step, stacked layers included.
* :mod:`~gru_companion.figures.gate_traces`: gates, candidates and states of a sequence as
  heatmaps, from :func:`gru_companion.analysis.gate_probes.gate_traces`.
* :mod:`~gru_companion.figures.studies`: a study's results, every seed a dot, the medians
  a line per kind, the baselines and chance lines to beat.
"""
