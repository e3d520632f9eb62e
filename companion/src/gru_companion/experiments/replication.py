"""Chung et al. (2014)'s JSB Chorales experiment beside the course's studies of it.

Chung et al. (2014) trained a tanh RNN, an LSTM and a GRU on polyphonic music and
reported the negative log-likelihood (NLL) per time step each reached. The course repeats
the experiment on the Bach chorales of :mod:`~gru_companion.data.chorales` with
:func:`~gru_companion.experiments.study.run_study` (the task ``chorales`` of
:data:`~gru_companion.experiments.tasks.TASKS`), once with the paper's forms of the cells
(``conventions="chung"``) and once with Keras's defaults (``conventions="keras"``). This
module holds what is known of the paper and compares a study with it:

* :data:`CHUNG_JSB` (with :data:`CHUNG_JSB_UNCONFIRMED`): the paper's JSB Chorales numbers;
  :data:`OTHER_REPLICATIONS`: what two later re-runs are reported to have found;
* :func:`paper_model_sizes`: the parameters of the paper's three models, counted;
* :func:`setup_table`: the paper's setup and the course's, row by row;
* :func:`replication_table`: per model of the paper, the study's medians and ranges over
  the seeds beside the paper's numbers;
* :func:`ordering_verdicts` and :func:`overall_verdict`: which of the paper's orderings a
  study reproduces, and whether each gap is larger than the spread between seeds;
* :func:`convention_effects`: what the forms of the cells change between two studies;
* :func:`rate_search` and :func:`learning_curves`: the learning-rate search and the
  validation curves of the runs a comparison reports.

What is known of the paper's setup and numbers comes from secondary sources (summaries
and re-implementations of the paper), not from the paper itself. A model of the paper is
named by the key of the kind Keras ships (``"simple_rnn"``, ``"lstm"``, ``"gru"``, the
keys of :data:`~gru_companion.experiments.tasks.CHUNG_UNITS`); a study may have trained
it as another kind (the LSTM with peepholes, ``"peephole_lstm"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gru_companion.analysis.budgets import model_size
from gru_companion.data.chorales import N_KEYS
from gru_companion.experiments.study import chosen_rates, study_summary, study_table
from gru_companion.experiments.tasks import CHUNG_FORMS, CHUNG_UNITS, CHUNG_WEIGHT_NOISE
from gru_companion.kinds import CORE, kind_of

#: Chung et al. (2014)'s results on JSB Chorales, NLL per time step in nats, by model of
#: the paper (a key of :data:`~gru_companion.kinds.CORE`): ``"train_nll"`` on the
#: training pieces and ``"test_nll"`` on the test pieces. Taken from secondary sources;
#: where a second source gives another value, :data:`CHUNG_JSB_UNCONFIRMED` holds it.
CHUNG_JSB: dict[str, dict[str, float]] = {
    "train_nll": dict(zip(CORE, (8.82, 8.15, 6.94), strict=True)),
    "test_nll": dict(zip(CORE, (9.10, 8.67, 8.54), strict=True)),
}

#: The cells of :data:`CHUNG_JSB` that the secondary sources disagree on: by measurement
#: and model, the value a second source gives (the tanh RNN's test NLL: 9.10 or 9.19).
CHUNG_JSB_UNCONFIRMED: dict[str, dict[str, float]] = {"test_nll": {"simple_rnn": 9.19}}

#: Test NLLs on JSB Chorales reported by later re-runs of the experiment, as secondary
#: sources relay them: each a description and the NLL by model. They prepared the data
#: differently, and show how far absolute values move with the preparation.
OTHER_REPLICATIONS: tuple[dict[str, Any], ...] = (
    {"report": "a re-run with other preprocessing",
     "test_nll": dict(zip(CORE, (6.39, 6.48, 6.20), strict=True))},
    {"report": "another re-run (GRU only, about)", "test_nll": {"gru": 10.5}},
)  # fmt: skip

#: The measurements a :func:`replication_table` summarises.
MEASUREMENTS = ("train_nll", "test_nll")


def _paper_setup() -> dict[str, str]:
    """What is known of the paper's music setup, row by row (see :func:`setup_table`)."""
    units = ", ".join(f"{kind_of(model).book_name} {n}" for model, n in CHUNG_UNITS.items())
    return {
        "data": "JSB Chorales, the file of Boulanger-Lewandowski et al. (2012)",
        "pieces and split": "382: 229 / 76 / 77",
        "resolution": "one step per quarter note",
        "key": "as in that file",
        "models and units": units,
        "parameters": "about 20K per model",
        "GRU form": "reset gate applied before the recurrent product",
        "LSTM form": "with peephole connections",
        "optimizer": "RMSProp",
        "learning rate": "per model, the best of 10 drawn log-uniformly",
        "weight noise": f"σ = {CHUNG_WEIGHT_NOISE:g}",
        "gradient clipping": "norm clipped at 1",
        "early stopping": "on the validation set",
        "seeds": "one number per model reported",
    }


def _check_chorales(result: Mapping[str, Any]) -> Mapping[str, Any]:
    if not isinstance(result, Mapping) or "config" not in result or "runs" not in result:
        raise TypeError("expected a study result (a mapping with 'config' and 'runs'), "
                        f"got {type(result).__name__}")  # fmt: skip
    config = result["config"]
    if config.get("task") != "chorales":
        raise ValueError(f"expected a study of the task 'chorales', got {config.get('task')!r}")
    return config


def paper_model(kind: str) -> str:
    """The model of the paper that a study's ``kind`` stands for.

    Parameters
    ----------
    kind
        A kind a chorales study trained: a key of
        :data:`~gru_companion.experiments.tasks.CHUNG_UNITS` or a form of
        :data:`~gru_companion.experiments.tasks.CHUNG_FORMS` (``"peephole_lstm"`` stands
        for the paper's ``"lstm"``).

    Raises
    ------
    ValueError
        If ``kind`` is none of the paper's models nor one of their forms.

    Examples
    --------
    >>> paper_model("peephole_lstm"), paper_model("gru")
    ('lstm', 'gru')
    """
    models = {model: model for model in CHUNG_UNITS}
    models.update({form: model for model, (form, _) in CHUNG_FORMS.items()})
    if kind not in models:
        raise ValueError(f"kind must be one of the paper's models {sorted(models)}, got {kind!r}")
    return models[kind]


def paper_model_sizes(features: int = N_KEYS, outputs: int = N_KEYS) -> Any:
    """The parameters of the paper's three music models, counted in their published forms.

    Each model is one recurrent layer of :data:`~gru_companion.experiments.tasks.CHUNG_UNITS`
    units, in the form of :data:`~gru_companion.experiments.tasks.CHUNG_FORMS` (the GRU
    with one bias per block, the LSTM with peepholes), and a ``Dense(outputs)`` read-out
    (:func:`~gru_companion.analysis.budgets.model_size`).

    Parameters
    ----------
    features, outputs
        Inputs per step and units of the read-out (88 piano keys each).

    Returns
    -------
    pandas.DataFrame
        One row per model of the paper (indexed by its key): ``kind`` (the form counted),
        ``units``, ``recurrent`` (the recurrent layer), ``readout`` and ``total``.

    Examples
    --------
    >>> sizes = paper_model_sizes()
    >>> int(sizes.loc["gru", "recurrent"]), int(sizes.loc["gru", "total"])
    (18630, 22766)
    """
    import pandas as pd

    rows = {}
    for model, units in CHUNG_UNITS.items():
        form, options = CHUNG_FORMS.get(model, (model, {}))
        reset_after = options.get("layer_options", {}).get("reset_after", True)
        size = model_size(form, features, units, outputs, reset_after=reset_after)
        rows[model] = {"kind": form, "units": units, "recurrent": size.recurrent,
                       "readout": size.readout, "total": size.total}  # fmt: skip
    return pd.DataFrame.from_dict(rows, orient="index")


def _course_setup(result: Mapping[str, Any]) -> dict[str, str]:
    """The setup a chorales study recorded, in the rows of :func:`_paper_setup`."""
    config = _check_chorales(result)
    pieces = config["pieces"]
    models = config["models"]
    params = {}
    for run in result["runs"]:
        params.setdefault(run["kind"], (run["params"], run["units"]))
    sized = []
    for kind, (total, units) in params.items():
        readout = units * N_KEYS + N_KEYS
        sized.append(f"{kind_of(kind).book_name} {total:,} ({total - readout:,} recurrent)")
    gru = next((kind for kind in models if kind_of(kind).has_reset_after), None)
    lstm = next((kind for kind in models if "c" in kind_of(kind).states), None)
    if gru is None:
        gru_form = "no GRU"
    elif models[gru].get("layer_options", {}).get("reset_after", True):
        gru_form = "reset gate applied after the recurrent product (Keras's default)"
    else:
        gru_form = "reset gate applied before the recurrent product (reset_after=False)"
    if lstm is None:
        lstm_form = "no LSTM"
    elif kind_of(lstm).peepholes:
        lstm_form = f"with peephole connections ({lstm})"
    else:
        lstm_form = "without peepholes (Keras's default)"
    rates = ", ".join(f"{rate:g}" for rate in config["learning_rates"])
    noise = sorted({options.get("weight_noise", 0.0) for options in models.values()})
    subset = "" if config["subset"] == "full" else f" (subset {config['subset']!r})"
    return {
        "data": f"Bach chorales of music21's corpus{subset}",
        "pieces and split": (f"{sum(pieces.values())}: {pieces['train']} / {pieces['valid']} / "
                             f"{pieces['test']}, by a hash of each name"),
        "resolution": "the notes sounding at the start of each quarter-note beat",
        "key": "each piece transposed to C major or A minor",
        "models and units": ", ".join(f"{kind_of(kind).book_name} {options['units']}"
                                      for kind, options in models.items()),
        "parameters": ", ".join(sized) + ", read-out included" if sized else "no runs yet",
        "GRU form": gru_form,
        "LSTM form": lstm_form,
        "optimizer": f"{config['optimizer']}, batches of {config['batch_size']} pieces",
        "learning rate": (f"per model, the best of the same {len(config['learning_rates'])} "
                          f"for every model: {rates}"),
        "weight noise": ", ".join(f"σ = {value:g}" for value in noise),
        "gradient clipping": f"norm clipped at {config['clipnorm']:g}",
        "early stopping": (f"on the validation NLL: after {config['patience']} epochs without "
                           f"a gain of {config['min_delta']:.1%} and {config['tolerance']:g} "
                           f"nats; at most {config['max_epochs']} epochs"),
        "seeds": (f"{len(config['seeds'])} at the chosen rate (the search with seed "
                  f"{config['search_seed']}); medians and ranges reported"),
    }  # fmt: skip


def setup_table(results: Mapping[str, Mapping[str, Any]], *, paper: str = "paper") -> Any:
    """The paper's setup and that of each study, side by side, one row per setting.

    Parameters
    ----------
    results
        Chorales study results by column label (``{"here": chung, "Keras's cells":
        keras}``), as :func:`~gru_companion.experiments.study.run_study` returns them or
        their files hold them.
    paper
        The label of the paper's column.

    Returns
    -------
    pandas.DataFrame
        Indexed by setting (data, pieces and split, resolution, key, models and units,
        parameters, GRU form, LSTM form, optimizer, learning rate, weight noise, gradient
        clipping, early stopping, seeds); the paper's column, then one per study. A cell
        of a later study equal to that of the first reads ``"same"``.

    Raises
    ------
    TypeError, ValueError
        If a result is not a chorales study, or a label repeats the paper's.
    """
    import pandas as pd

    if paper in results:
        raise ValueError(f"a study's label repeats the paper's column {paper!r}")
    columns = {paper: _paper_setup()}
    first = None
    for label, result in results.items():
        course = _course_setup(result)
        if first is None:
            first = course
        else:
            course = {row: "same" if text == first[row] else text for row, text in course.items()}
        columns[label] = course
    return pd.DataFrame(columns)


def replication_table(result: Mapping[str, Any]) -> Any:
    """Per model of the paper: the study's runs at the chosen rate, beside the paper's numbers.

    The runs are those :func:`~gru_companion.experiments.study.study_summary` reports (the
    seeds at each kind's chosen learning rate, each at its best validation epoch); a model
    whose search has not finished is left out.

    Parameters
    ----------
    result
        A chorales study result.

    Returns
    -------
    pandas.DataFrame
        One row per model of the paper, indexed by its key, in the order of
        :data:`~gru_companion.experiments.tasks.CHUNG_UNITS`: ``kind`` (as trained),
        ``units``, ``params``, ``learning_rate``, ``seeds``, ``best_epoch`` (median),
        ``stopped_epoch`` (the latest), and for each measurement ``m`` of
        :data:`MEASUREMENTS` the ``m_median``, ``m_low`` and ``m_high`` over the seeds and
        ``paper_m``, the paper's value (:data:`CHUNG_JSB`).

    Raises
    ------
    TypeError, ValueError
        If ``result`` is not a chorales study, or trained a kind that is not a model of
        the paper.
    """
    import pandas as pd

    _check_chorales(result)
    table = study_table(result)
    if table.empty:
        return pd.DataFrame()
    chosen = table[table["selected"]]
    rows = {}
    summaries = {metric: study_summary(result, metric) for metric in MEASUREMENTS}
    for index, kind in enumerate(summaries[MEASUREMENTS[0]]["kind"]):
        runs = chosen[chosen["kind"] == kind]
        row: dict[str, Any] = {
            "kind": kind, "units": int(runs["units"].iloc[0]),
            "params": int(runs["params"].iloc[0]),
            "learning_rate": float(runs["learning_rate"].iloc[0]), "seeds": len(runs),
            "best_epoch": float(runs["best_epoch"].median()),
            "stopped_epoch": int(runs["stopped_epoch"].max()),
        }  # fmt: skip
        for metric, summary in summaries.items():
            line = summary.iloc[index]
            for stat in ("median", "low", "high"):
                row[f"{metric}_{stat}"] = float(line[stat])
        model = paper_model(kind)
        for metric in MEASUREMENTS:
            row[f"paper_{metric}"] = CHUNG_JSB[metric][model]
        rows[model] = row
    order = [model for model in CHUNG_UNITS if model in rows]
    return pd.DataFrame.from_dict(rows, orient="index").loc[order]


def _apart(low_a: float, high_a: float, low_b: float, high_b: float) -> bool:
    """Whether two ranges do not overlap."""
    return high_a < low_b or high_b < low_a


def ordering_verdicts(table: Any, metric: str = "test_nll") -> Any:
    """Each pair of models in the paper's order of ``metric``, and whether a study keeps it.

    For every pair, ``better`` is the model with the lower value in the paper and
    ``worse`` the other. The study keeps the pair if its median is lower for ``better``
    too. The ranges over the seeds (lowest to highest) decide whether the gap means
    anything: if they overlap, the pair is a **tie within noise**, whatever the medians
    say; if they do not, it is **reproduced** (same order) or **reversed**. With three
    seeds the range is a rough measure of the spread: a gap beyond it is a gap no seed
    contradicts.

    Parameters
    ----------
    table
        A :func:`replication_table` (or any frame with the columns ``paper_<metric>``,
        ``<metric>_median``, ``<metric>_low`` and ``<metric>_high``, indexed by model).
    metric
        A measurement of :data:`MEASUREMENTS`.

    Returns
    -------
    pandas.DataFrame
        One row per pair, the paper's best model first: ``better``, ``worse``,
        ``paper_gap`` (worse minus better, in the paper), ``gap`` (the same of the
        medians; negative when the study reverses the pair), ``apart`` (whether the ranges
        do not overlap) and ``verdict``.

    Raises
    ------
    ValueError
        If ``metric`` is not one of :data:`MEASUREMENTS`.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"paper_test_nll": [9.1, 8.54], "test_nll_median": [8.9, 8.6],
    ...                       "test_nll_low": [8.8, 8.5], "test_nll_high": [9.0, 8.7]},
    ...                      index=["simple_rnn", "gru"])
    >>> ordering_verdicts(table).loc[0, ["better", "worse", "verdict"]].tolist()
    ['gru', 'simple_rnn', 'reproduced']
    """
    import pandas as pd

    if metric not in MEASUREMENTS:
        raise ValueError(f"metric must be one of {MEASUREMENTS}, got {metric!r}")
    models = sorted(table.index, key=lambda model: table.loc[model, f"paper_{metric}"])
    rows = []
    for position, better in enumerate(models):
        for worse in models[position + 1 :]:
            b, w = table.loc[better], table.loc[worse]
            gap = float(w[f"{metric}_median"] - b[f"{metric}_median"])
            apart = _apart(b[f"{metric}_low"], b[f"{metric}_high"],
                           w[f"{metric}_low"], w[f"{metric}_high"])  # fmt: skip
            if not apart:
                verdict = "tie within noise"
            else:
                verdict = "reproduced" if gap > 0 else "reversed"
            rows.append({"better": better, "worse": worse,
                         "paper_gap": float(w[f"paper_{metric}"] - b[f"paper_{metric}"]),
                         "gap": gap, "apart": bool(apart), "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows, columns=["better", "worse", "paper_gap", "gap", "apart", "verdict"])


def overall_verdict(verdicts: Any) -> str:
    """One verdict on a whole ordering, from the pairs of :func:`ordering_verdicts`.

    ``"reproduced"`` if every pair is; ``"not reproduced"`` if any pair is reversed beyond
    the spread; ``"tie within noise"`` if every pair ties; else ``"partly reproduced (the
    other pairs tie within noise)"``.

    Raises
    ------
    ValueError
        If there are no pairs to judge (fewer than two models).
    """
    found = list(verdicts["verdict"])
    if not found:
        raise ValueError("no pairs to judge: the table needs at least two models")
    if all(verdict == "reproduced" for verdict in found):
        return "reproduced"
    if "reversed" in found:
        return "not reproduced"
    if all(verdict == "tie within noise" for verdict in found):
        return "tie within noise"
    return "partly reproduced (the other pairs tie within noise)"


def convention_effects(paper_cells: Any, keras_cells: Any, metric: str = "test_nll") -> Any:
    """What training each model with Keras's default cells changes, against the seed spread.

    Parameters
    ----------
    paper_cells, keras_cells
        :func:`replication_table` of the study with the paper's forms of the cells and of
        the one with Keras's defaults; only the models in both are compared.
    metric
        A measurement of :data:`MEASUREMENTS`.

    Returns
    -------
    pandas.DataFrame
        One row per model (indexed by its key): ``paper_kind`` and ``keras_kind`` (as
        trained), ``params`` of each, the ``median``, ``low`` and ``high`` of each
        (prefixed ``paper_`` and ``keras_``), ``change`` (Keras's median minus the
        paper form's), ``apart`` (whether the ranges do not overlap) and ``verdict``:
        ``"larger than the seed spread"`` or ``"within the seed spread"``.

    Raises
    ------
    ValueError
        If ``metric`` is not one of :data:`MEASUREMENTS`.
    """
    import pandas as pd

    if metric not in MEASUREMENTS:
        raise ValueError(f"metric must be one of {MEASUREMENTS}, got {metric!r}")
    rows = {}
    for model in paper_cells.index:
        if model not in keras_cells.index:
            continue
        row: dict[str, Any] = {}
        for prefix, table in (("paper", paper_cells), ("keras", keras_cells)):
            line = table.loc[model]
            row[f"{prefix}_kind"] = line["kind"]
            row[f"{prefix}_params"] = int(line["params"])
            for stat in ("median", "low", "high"):
                row[f"{prefix}_{stat}"] = float(line[f"{metric}_{stat}"])
        row["change"] = row["keras_median"] - row["paper_median"]
        row["apart"] = _apart(row["paper_low"], row["paper_high"],
                              row["keras_low"], row["keras_high"])  # fmt: skip
        row["verdict"] = "larger than the seed spread" if row["apart"] else "within the seed spread"
        rows[model] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def rate_search(result: Mapping[str, Any]) -> Any:
    """The learning-rate search of a chorales study: the best validation NLL of each rate.

    Parameters
    ----------
    result
        A chorales study result.

    Returns
    -------
    pandas.DataFrame
        Indexed by learning rate, one column per model of the paper searched (in the
        order trained): the lowest validation NLL the search seed's run reached at that
        rate (missing where that run has not been trained yet).
    """
    config = _check_chorales(result)
    table = study_table(result)
    search = table[table["phase"] == "search"].copy()
    search["model"] = [paper_model(kind) for kind in search["kind"]]
    frame = search.pivot(index="learning_rate", columns="model", values=config["monitor"])
    order = [model for model in CHUNG_UNITS if model in frame.columns]
    return frame[order].sort_index()


def learning_curves(result: Mapping[str, Any]) -> Any:
    """The per-epoch measurements of the runs a comparison reports (the seeds at the chosen rate).

    Parameters
    ----------
    result
        A chorales study result.

    Returns
    -------
    pandas.DataFrame
        One row per epoch of each reported run: ``model`` (the paper's), ``kind``,
        ``seed``, ``learning_rate``, ``best_epoch``, ``stopped_epoch``, ``epoch`` and the
        epoch's measurements (``train_nll``, ``valid_nll``, ``test_nll``, seconds); no
        rows, but these columns, before any run has finished.
    """
    import pandas as pd

    config = _check_chorales(result)
    chosen = chosen_rates(result["runs"], config["monitor"])
    rows = []
    for run in result["runs"]:
        rate = chosen.get((run["setting"], run["kind"]))
        if run["learning_rate"] != rate or run["seed"] not in config["seeds"]:
            continue
        fixed = {"model": paper_model(run["kind"]), "kind": run["kind"], "seed": run["seed"],
                 "learning_rate": run["learning_rate"], "best_epoch": run["best_epoch"],
                 "stopped_epoch": run["stopped_epoch"]}  # fmt: skip
        rows.extend({**fixed, **epoch} for epoch in run["history"])
    columns = ["model", "kind", "seed", "learning_rate", "best_epoch", "stopped_epoch", "epoch"]
    columns += ["train_nll", "valid_nll", "test_nll"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
