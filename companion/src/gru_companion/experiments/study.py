"""The fair study of a task: the same learning-rate search, early stopping and seeds for every kind.

A comparison of kinds is fair only if each kind gets the same chance. For each setting of
a task (a length, a delay, a window) and each kind, :func:`run_study`

1. **searches the learning rate**: it trains one model per rate of the same grid
   (``learning_rates``) from the search seed, and picks the rate whose run reached the
   lowest validation measurement (the task's ``monitor``);
2. **repeats at that rate** from every seed of ``seeds`` (the search seed's run is
   reused), so that the spread between seeds can be seen;
3. **trains every run to early stopping**: until the validation measurement has not
   improved (by ``min_delta`` relatively and ``tolerance`` absolutely) for ``patience``
   epochs; ``max_epochs`` is a cap that a run reaching it reports (``stopped_early``
   false).

Every kind has the parameter budget of the task (or the widths the task fixes), the same
data and the same optimizer (RMSprop, gradients clipped to norm 1). A run is reported at
its best validation epoch (:meth:`~gru_companion.experiments.training.History.best`):
its test measurement there, not at the last epoch.

The study is **resumable**: with ``out``, each finished run is written to the result
file at once, and running the same study again reads the file and trains only the runs
it lacks. A study longer than one sitting completes across several; a file written with
another design is refused rather than mixed. :func:`study_table` reads a result back
as one row per run.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from gru_companion.analysis.budgets import units_for_budget
from gru_companion.experiments.result_files import load_result, rounded_floats, write_result
from gru_companion.experiments.tasks import OPTIMIZER, Task, task_of
from gru_companion.experiments.training import build_model, progress_bar, train
from gru_companion.kinds import kind_of
from gru_companion.validation import check_positive_int, check_positive_number, check_real

#: The keywords of the design every study takes, beside the task's own.
DESIGN = (
    "learning_rates",
    "seeds",
    "search_seed",
    "max_epochs",
    "patience",
    "min_delta",
    "tolerance",
)

#: Decimals the measurements are stored with.
DIGITS = 5


def _design(task: Task, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The task's defaults updated by ``arguments``, checked."""
    unknown = set(arguments) - set(task.defaults)
    if unknown:
        raise TypeError(f"{task.name} takes {sorted(task.defaults)}, not {sorted(unknown)}")
    values = {**task.defaults, **arguments}
    rates = tuple(values["learning_rates"])
    if not rates:
        raise ValueError("learning_rates must hold at least one rate")
    values["learning_rates"] = [check_positive_number("learning rate", r) for r in rates]
    seeds = list(values["seeds"])
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {seeds}")
    values["seeds"] = [check_positive_int("seed", s + 1) - 1 for s in seeds]
    values["search_seed"] = check_positive_int("search_seed", values["search_seed"] + 1) - 1
    values["max_epochs"] = check_positive_int("max_epochs", values["max_epochs"])
    values["patience"] = check_positive_int("patience", values["patience"])
    values["min_delta"] = check_real("min_delta", values["min_delta"])
    values["tolerance"] = check_real("tolerance", values["tolerance"])
    values["batch_size"] = check_positive_int("batch size", values["batch_size"])
    if task.axis:
        values[task.axis] = list(values[task.axis])
    return values


def _key(run: Mapping[str, Any]) -> tuple[Any, ...]:
    return (run["setting"], run["kind"], run["seed"], run["learning_rate"])


def _resume(out: pathlib.Path | None, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs already in ``out``, if it holds the same study; else none."""
    if out is None or not out.exists():
        return []
    stored = load_result(out)
    stored_config = stored.get("config", {})
    if stored_config != config:
        differ = sorted(k for k in set(config) | set(stored_config)
                        if config.get(k) != stored_config.get(k))  # fmt: skip
        raise ValueError(
            f"{out} holds a study with another design (it differs in {differ}); "
            "write to another file, or remove it to start again"
        )
    return list(stored.get("runs", []))


def run_study(
    task: str | Task,
    *,
    kinds: Sequence[str] | None = None,
    out: str | pathlib.Path | None = None,
    record: Mapping[str, Any] | None = None,
    show_progress: bool = True,
    jit_compile: bool = True,
    only_kinds: Sequence[str] | None = None,
    **arguments: Any,
) -> dict[str, Any]:
    """Search the learning rate, then train every seed, for every kind and setting of a task.

    Parameters
    ----------
    task
        A key of :data:`~gru_companion.experiments.tasks.TASKS` or a
        :class:`~gru_companion.experiments.tasks.Task`.
    kinds
        Keys of :data:`~gru_companion.kinds.KINDS` to study instead of the task's own
        models (each sized by the budget unless the task's models fix it), or ``None``.
    out
        The result file: runs already in it are kept and not trained again, and each new
        run is added to it as soon as it finishes. ``None``: nothing is written.
    record
        Fields written at the top of the file beside the results (the command, the
        machine, the versions), or ``None``.
    show_progress
        Whether to show a progress bar of the runs with an estimate of the time left.
    jit_compile
        Whether to compile each model's training step with XLA: several times faster for
        the studies' long runs on a CPU, slower for a run of a few epochs. XLA needs
        TensorFlow's op determinism off, so a compiled run repeats its seed's initial
        weights and batches but not necessarily its last digits; each run records
        whether it was compiled.
    only_kinds
        Train only the runs of these kinds of the study, or ``None`` for all. Several
        processes given different kinds can share one ``out`` file and so split a study
        between the cores of a machine: each adds its runs to what the file holds when it
        writes (under a lock), keeping the others'. The design, and so the file, is the
        same as without it.
    **arguments
        Keywords of the task's ``defaults`` (the others keep their default), e.g.
        ``seq_lens=(50, 100)``, ``seeds=(0, 1)``, ``learning_rates=(1e-3,)``.

    Returns
    -------
    dict
        ``config`` (the design and what the task adds), ``selected`` (the learning rate
        picked for each setting and kind) and ``runs``: one record per run with the
        setting's fields, ``kind``, ``seed``, ``learning_rate``, ``phase`` (``"search"``
        or ``"seeds"``), ``units``, ``params``, ``best_epoch``, ``stopped_epoch``,
        ``stopped_early`` and the per-epoch ``history``.

    Raises
    ------
    TypeError, ValueError
        For an unknown task or keyword, an argument out of range, or an ``out`` file that
        holds another study.
    """
    task = task_of(task)
    values = _design(task, arguments)
    own = {option.name: values[option.name] for option in task.options}
    models = task.models(**own)
    if kinds is not None:
        models = {kind_of(kind).key: models.get(kind, {}) for kind in kinds}
    for kind in models:
        kind_of(kind)
    if only_kinds is not None:
        only_kinds = [kind_of(kind).key for kind in only_kinds]
        if not only_kinds or set(only_kinds) - set(models):
            raise ValueError(f"only_kinds must be some of the study's kinds {list(models)}, "
                             f"got {only_kinds}")  # fmt: skip
    added = task.config(**values)
    clash = set(added) & set(values)
    if clash:  # a task's own record must not hide a setting of the study
        raise ValueError(f"{task.name}'s config repeats the study's keys {sorted(clash)}")
    config = _jsonable(rounded_floats(
        {"task": task.name, **values, "kinds": list(models), "models": models,
         "monitor": task.monitor, "score": task.score,
         "solved": None if task.solved is None else str(task.solved), **OPTIMIZER, **added},
        DIGITS,
    ))  # fmt: skip
    out = None if out is None else pathlib.Path(out)
    runs = _resume(out, config)
    done = {_key(run): run for run in runs}
    selected: list[dict[str, Any]] = []

    def save() -> None:
        if out is None:
            return
        with _locked(out):
            for run in _resume(out, config):  # runs another process added meanwhile
                if _key(run) not in done:
                    done[_key(run)] = run
                    runs.append(run)
            selected[:] = _selected(runs, task.monitor)
            result = {**(record or {}), "config": config, "selected": selected, "runs": runs}
            partial = out.with_suffix(out.suffix + f".{os.getpid()}.partial")
            write_result(partial, result)
            os.replace(partial, out)

    axis_values = values[task.axis] if task.axis else [None]
    search_seed, rates = values["search_seed"], values["learning_rates"]
    others = [seed for seed in values["seeds"] if seed != search_seed]
    trained = {kind: options for kind, options in models.items()
               if only_kinds is None or kind in only_kinds}  # fmt: skip
    with progress_bar(show_progress) as progress:
        bar = progress.add_task(
            task.name, total=len(axis_values) * len(trained) * (len(rates) + len(others))
        )
        for value in axis_values:
            settings: dict[int, Any] = {}
            for kind, options in trained.items():
                plan = [(search_seed, rate, "search") for rate in rates]
                plan += [(seed, None, "seeds") for seed in others]
                search = []
                for seed, rate, phase in plan:
                    if rate is None:  # the seeds train at the rate the search picked
                        rate = chosen_rates(search, task.monitor)[value, kind]
                    key = (value, kind, seed, round(rate, DIGITS))
                    if key not in done:
                        if seed not in settings:
                            settings[seed] = task.setting(value, seed, **own)
                        where = "" if value is None else f" {task.label.format(value)}"
                        name = kind_of(kind).book_name
                        doing = f"{task.name}{where} {name} lr {rate:g} seed {seed}"
                        progress.update(bar, description=doing)
                        run = _train_run(task, settings[seed], kind, options, seed=seed, rate=rate,
                                         values=values, jit_compile=jit_compile)  # fmt: skip
                        done[key] = {"setting": value, **run, "phase": phase}
                        runs.append(done[key])
                        save()
                    if phase == "search":
                        search.append(done[key])
                    progress.advance(bar)
    save()
    if out is None:
        selected[:] = _selected(runs, task.monitor)
    return {"config": config, "selected": selected, "runs": runs}


def _selected(runs: Sequence[Mapping[str, Any]], monitor: str) -> list[dict[str, Any]]:
    """The chosen rate of each setting and kind, as a result file lists them."""
    return [{"setting": setting, "kind": kind, "learning_rate": rate}
            for (setting, kind), rate in chosen_rates(runs, monitor).items()]  # fmt: skip


@contextlib.contextmanager
def _locked(out: pathlib.Path) -> Iterator[None]:
    """Hold an exclusive lock for ``out`` (a file in the temporary folder, named after it)."""
    import fcntl
    import hashlib
    import tempfile

    digest = hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:16]
    with open(pathlib.Path(tempfile.gettempdir()) / f"gru-study-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _train_run(
    task: Task, setting: Any, kind: str, options: Mapping[str, Any], *, seed: int,
    rate: float, values: Mapping[str, Any], jit_compile: bool,
) -> dict[str, Any]:  # fmt: skip
    """Train one model of ``kind`` from ``seed`` at ``rate`` to early stopping; its record."""
    import keras

    from gru_companion.reproducibility import seed_everything

    built = dict(options)
    units = built.pop("units", None)
    if units is None:
        units = units_for_budget(kind, setting.features, values["budget"], setting.outputs).units
    # op determinism would switch XLA off (Keras falls back silently); with XLA a run is
    # several times faster, and still starts from the seed's weights and batches
    seed_everything(seed, deterministic=not jit_compile)
    model = build_model(
        kind, setting.features, units, setting.outputs,
        return_sequences=setting.return_sequences, layer_name="recurrent", loss=setting.loss,
        optimizer="rmsprop", learning_rate=rate, clipnorm=OPTIMIZER["clipnorm"],
        jit_compile=jit_compile, **built,
    )  # fmt: skip
    history = train(
        model, setting.fit_data, epochs=values["max_epochs"], batch_size=values["batch_size"],
        evaluate=setting.evaluate, monitor=task.monitor, patience=values["patience"],
        min_delta=values["min_delta"], tolerance=values["tolerance"],
    )  # fmt: skip
    params, compiled = int(model.count_params()), bool(model.jit_compile)
    keras.backend.clear_session()
    return rounded_floats({
        **setting.record, "kind": kind, "seed": seed, "learning_rate": round(rate, DIGITS),
        "units": units, "params": params, "jit_compile": compiled,
        "best_epoch": int(history.best(task.monitor)["epoch"]),
        "stopped_epoch": history.epochs, "stopped_early": history.epochs < values["max_epochs"],
        "history": [dict(row) for row in history.rows],
    }, DIGITS)  # fmt: skip


def _best_monitor(run: Mapping[str, Any], monitor: str) -> float:
    return min(row[monitor] for row in run["history"])


def chosen_rates(runs: Sequence[Mapping[str, Any]], monitor: str) -> dict[tuple, float]:
    """The learning rate each (setting, kind) searched its way to.

    The rate of the search run (``phase == "search"``) that reached the lowest
    ``monitor``; the first such run wins a tie. The one rule :func:`run_study` picks by
    and :func:`study_table` reads by.
    """
    best: dict[tuple, Mapping[str, Any]] = {}
    for run in runs:
        if run["phase"] != "search":
            continue
        key = (run["setting"], run["kind"])
        if key not in best or _best_monitor(run, monitor) < _best_monitor(best[key], monitor):
            best[key] = run
    return {key: run["learning_rate"] for key, run in best.items()}


def _jsonable(value: Any) -> Any:
    """Tuples as lists, so that a config compares equal to the one read back from JSON."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def study_table(result: Mapping[str, Any]) -> Any:
    """One row per run of a :func:`run_study` result, measured at its best validation epoch.

    Columns: ``setting`` (the value of the task's axis, or ``None``), the setting's
    fields, ``kind``, ``seed``, ``learning_rate``, ``phase``,
    ``units``, ``params``, ``best_epoch``, ``stopped_epoch``, ``stopped_early``,
    ``selected`` (whether the run is one of the seeds at its kind's chosen rate, the runs
    a comparison reports), every measurement of the best epoch, and ``solved`` where the
    task has a threshold.

    Parameters
    ----------
    result
        A study's result, as :func:`run_study` returns it or its file holds it.
    """
    import pandas as pd

    from gru_companion.experiments.tasks import TASKS

    config = result["config"]
    task = TASKS[config["task"]]
    chosen = chosen_rates(result["runs"], config["monitor"])
    rows = []
    for run in result["runs"]:
        fixed = {key: value for key, value in run.items() if key != "history"}
        best = next(row for row in run["history"] if row["epoch"] == run["best_epoch"])
        row = {**fixed, **{k: v for k, v in best.items() if k != "epoch"}}
        row["selected"] = (chosen.get((run["setting"], run["kind"])) == run["learning_rate"]
                           and run["seed"] in config["seeds"])  # fmt: skip
        if task.solved is not None:
            row["solved"] = task.solved.met(best)
        rows.append(row)
    return pd.DataFrame(rows)


def study_summary(result: Mapping[str, Any], metric: str | None = None) -> Any:
    """Per setting and kind: the chosen rate, seeds, solved count, median and range.

    Parameters
    ----------
    result
        A :func:`run_study` result.
    metric
        The measurement summarised (default: the task's ``score``).

    Returns
    -------
    pandas.DataFrame
        One row per setting and kind (in the order run): ``learning_rate``, ``seeds``,
        ``solved`` (how many seeds solved the task; absent when it has no threshold),
        ``median``, ``low`` and ``high`` of ``metric`` over the seeds, and the median
        ``best_epoch`` and ``stopped_epoch``.
    """
    table = study_table(result)
    metric = result["config"]["score"] if metric is None else metric
    chosen = table[table["selected"]]
    keys = ["setting", "kind"]
    grouped = chosen.groupby(keys, sort=False, dropna=False)
    summary = grouped.agg(
        learning_rate=("learning_rate", "first"), seeds=("seed", "size"),
        median=(metric, "median"), low=(metric, "min"), high=(metric, "max"),
        best_epoch=("best_epoch", "median"), stopped_epoch=("stopped_epoch", "median"),
    )  # fmt: skip
    if "solved" in chosen:
        summary.insert(2, "solved", grouped["solved"].sum().astype(int))
    return summary.reset_index()


def time_to_target(result: Mapping[str, Any], metric: str, target: float) -> Any:
    """Per setting and kind: how many seeds reached ``target``, and how soon.

    "Trains faster" means reaching a given error sooner. For the seeds at each kind's
    chosen rate (the runs a comparison reports), the first epoch at which ``metric`` was
    at or below ``target``
    (:func:`~gru_companion.experiments.training.first_epoch_reaching`), and the training
    seconds it had taken. Wall-clock seconds depend on what else the machine ran; epochs
    do not.

    Parameters
    ----------
    result
        A :func:`run_study` result.
    metric
        A measurement of the runs' history where lower is better (``"valid_mse"``).
    target
        The value to reach.

    Returns
    -------
    pandas.DataFrame
        One row per setting and kind: ``seeds``, ``reached`` (how many seeds reached the
        target), and the median ``epoch`` and ``seconds`` over the seeds that reached it
        (NaN when none did).
    """
    import pandas as pd

    from gru_companion.experiments.training import first_epoch_reaching

    target = check_real("target", target)
    config = result["config"]
    chosen = chosen_rates(result["runs"], config["monitor"])
    groups: dict[tuple, list] = {}
    for run in result["runs"]:
        key = (run["setting"], run["kind"])
        if chosen.get(key) != run["learning_rate"] or run["seed"] not in config["seeds"]:
            continue
        if metric not in run["history"][0]:
            raise ValueError(f"the runs record no {metric!r}; they record "
                             f"{sorted(run['history'][0])}")  # fmt: skip
        groups.setdefault(key, []).append(first_epoch_reaching(run["history"], metric, target))
    rows = []
    for (setting, kind), hits in groups.items():
        reached = [hit for hit in hits if hit is not None]
        rows.append({
            "setting": setting, "kind": kind, "seeds": len(hits), "reached": len(reached),
            "epoch": float(np.median([h["epoch"] for h in reached])) if reached else np.nan,
            "seconds": (float(np.median([h["train_seconds"] for h in reached]))
                        if reached else np.nan),
        })  # fmt: skip
    return pd.DataFrame(rows)


def leaders(table: Any, metric: str, *, lower_is_better: bool = True,
            alpha: float = 0.05) -> Any:  # fmt: skip
    """Per setting of a study: the best kind, and whether the seeds show it is better.

    A kind leads with the best median over the seeds at its chosen rate. It is *clearly*
    ahead when a two-sided Mann-Whitney U test (``scipy.stats.mannwhitneyu``), which
    compares the seeds' values by rank alone, rejects at level ``alpha`` that it scores
    like each other kind; otherwise the comparison is a tie within the noise of the
    seeds. With five seeds against five, the test can reject at 0.05 only when at most
    two of the 25 pairs of seeds go the other way.

    Parameters
    ----------
    table
        A :func:`study_table`.
    metric
        The column compared (``"test_mse"``).
    lower_is_better
        ``True`` for errors and losses, ``False`` for accuracies.
    alpha
        The test's level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per setting with two kinds or more: ``leader`` (the kind), ``median``,
        ``runner_up``, ``runner_up_median``, ``p_value`` (the largest of the leader's
        tests against the others), ``clear`` (bool) and ``verdict`` ("GRU ahead" or
        "tie").
    """
    import pandas as pd
    from scipy.stats import mannwhitneyu

    alpha = check_real("alpha", alpha)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    chosen = table[table["selected"]]
    rows = []
    for setting, part in chosen.groupby("setting", sort=False, dropna=False):
        values = {kind: runs[metric].to_numpy() for kind, runs in part.groupby("kind", sort=False)}
        if len(values) < 2:  # a setting still being run
            continue
        medians = {kind: float(np.median(v)) for kind, v in values.items()}
        ranked = sorted(medians, key=medians.get, reverse=not lower_is_better)
        leader, runner_up = ranked[0], ranked[1]
        p_value = max(
            float(mannwhitneyu(values[leader], values[other], alternative="two-sided").pvalue)
            for other in ranked[1:]
        )
        clear = p_value < alpha
        rows.append({
            "setting": setting, "leader": leader, "median": medians[leader],
            "runner_up": runner_up, "runner_up_median": medians[runner_up],
            "p_value": p_value, "clear": clear,
            "verdict": f"{kind_of(leader).name} ahead" if clear else "tie",
        })  # fmt: skip
    return pd.DataFrame(rows)


def study_report(
    result: Mapping[str, Any], metric: str | None = None, *, lower_is_better: bool = True,
    digits: int = 3,
) -> str:  # fmt: skip
    """A study as the text table the chapters print: one line per setting and kind.

    Each line: the setting, the kind's book name, its chosen learning rate, how many seeds
    solved the task (where it has a threshold), the median of ``metric`` with its range
    over the seeds, the median epoch early stopping picked and the median epoch it
    stopped at; after each setting, the :func:`leaders` verdict.

    Parameters
    ----------
    result
        A :func:`run_study` result.
    metric
        The measurement reported (default: the task's ``score``).
    lower_is_better
        How :func:`leaders` ranks the kinds.
    digits
        Decimals of the measurement.
    """
    metric = result["config"]["score"] if metric is None else metric
    digits = check_positive_int("digits", digits + 1) - 1
    summary = study_summary(result, metric)
    verdicts = leaders(study_table(result), metric, lower_is_better=lower_is_better)
    verdict_of = {_same(row["setting"]): row for row in verdicts.to_dict("records")}
    solved = "solved" in summary
    heading = f"{metric} median [range]"
    lines = [f"{'setting':>7}  {'kind':9} {'rate':>6} {'solved':>6}  {heading:>30}  "
             f"{'best':>4} {'stop':>4}"]  # fmt: skip
    for setting, part in summary.groupby("setting", sort=False, dropna=False):
        label = "-" if setting != setting or setting is None else str(setting)
        for row in part.to_dict("records"):
            count = f"{row['solved']}/{row['seeds']}" if solved else f"-/{row['seeds']}"
            spread = (f"{row['median']:.{digits}f} [{row['low']:.{digits}f}, "
                      f"{row['high']:.{digits}f}]")  # fmt: skip
            lines.append(f"{label:>7}  {kind_of(row['kind']).book_name:9} "
                         f"{row['learning_rate']:>6g} {count:>6}  {spread:>30}  "
                         f"{row['best_epoch']:>4.0f} {row['stopped_epoch']:>4.0f}")  # fmt: skip
            label = ""
        verdict = verdict_of.get(_same(setting))
        if verdict is not None:
            lines.append(f"{'':>7}  -> {verdict['verdict']} (p = {verdict['p_value']:.3f})")
    return "\n".join(lines)


def _same(setting: Any) -> Any:
    """A setting as a dictionary key (NaN, for a task without settings, as None)."""
    return None if setting is None or setting != setting else setting
