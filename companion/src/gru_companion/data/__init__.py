"""Data: every data set of the course as NumPy arrays, generated or read locally (Keras-free).

Nothing is downloaded: the synthetic tasks are generated from a seed and the real data
ship with installed packages. In the order the book teaches them:

* :mod:`~gru_companion.data.synthetic`: the adding problem and copy memory, long-range
  tasks generated from a seed.
* :mod:`~gru_companion.data.digits`: scikit-learn's handwritten digits read row by row,
  split for training and test.
* :mod:`~gru_companion.data.chorales`: Bach chorales from music21's corpus as piano rolls,
  their split, next-step arrays and the per-step negative log-likelihood.
* :mod:`~gru_companion.data.sunspots`: yearly sunspot numbers cut into windows for
  one-step forecasting, split in time order.
"""
