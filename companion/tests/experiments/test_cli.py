"""The one command line: --help for every experiment, tiny runs of each, the stored commands."""

from __future__ import annotations

import inspect
import json
import pathlib
import shlex

import pytest

from gru_companion.experiments import bench, cli, gpu_bench, gradient_flow, memory, variants
from gru_companion.experiments.result_files import load_result
from gru_companion.experiments.tasks import TASKS
from gru_companion.kinds import CORE

DATA = pathlib.Path(__file__).resolve().parents[3] / "book" / "data"
#: The defaults of the runners that are not tasks, read before any test patches them.
DEFAULTS = {
    name: {key: p.default for key, p in inspect.signature(function).parameters.items()}
    for name, function in (("variants", variants.compare_variants),
                           ("gradient-flow", gradient_flow.run_experiment))
}  # fmt: skip
EXPERIMENTS = ("chorales", "adding", "copy", "counting", "sunspots", "variants", "gradient-flow",
               "bench", "memory", "gpu-bench")  # fmt: skip


def test_the_command_line_lists_every_experiment(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in EXPERIMENTS)
    assert list(cli.commands()) == list(EXPERIMENTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_has_its_help(name, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main([name, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert f"python -m gru_companion.experiments {name}" in out and "--out" in out


STUDY = ["--seeds", "1", "--learning-rates", "0.01", "--max-epochs", "1"]
TINY = {
    "chorales": ["--subset", "small", "--batch-size", "16"],
    "adding": ["--lengths", "4", "--n-train", "16", "--n-test", "8", "--budget", "100"],
    "copy": ["--lengths", "3", "--n-train", "16", "--n-test", "8", "--budget", "400",
             "--copy-len", "2", "--symbols", "3"],
    "counting": ["--train-up-to", "3", "--valid-up-to", "4", "--test-up-to", "6",
                 "--repeats", "2", "--budget", "100"],
    "sunspots": ["--lengths", "5", "--budget", "300", "--batch-size", "64"],
}  # fmt: skip


@pytest.mark.parametrize("name", list(TINY))
def test_tiny_studies_write_their_result(name, tmp_path, capsys, monkeypatch):
    from gru_companion.experiments import study

    # one epoch trains faster than XLA compiles
    real = study.run_study
    monkeypatch.setattr(cli, "run_study", lambda *a, **k: real(*a, jit_compile=False, **k))
    out = tmp_path / f"{name}.json"
    argv = [name, *STUDY, *TINY[name], "--no-progress", "--out", str(out)]
    assert cli.main(argv) == 0
    record = load_result(out)
    assert record["command"] == "python -m gru_companion.experiments " + shlex.join(argv)
    assert record["experiment"] == name and set(record["load_average"]) == {"start", "end"}
    assert {"python", "tensorflow", "keras", "numpy"} <= set(record["versions"])
    assert record["machine"]["cpu_count"] >= 1
    kinds = list(TASKS[name].models(**{o.name: TASKS[name].defaults[o.name]
                                       for o in TASKS[name].options}))  # fmt: skip
    assert [run["kind"] for run in record["runs"]] == kinds
    assert all(len(run["history"]) == 1 for run in record["runs"])
    assert f"wrote {out}" in capsys.readouterr().out


def test_tiny_variants_run(tmp_path, capsys):
    out = tmp_path / "variants.json"
    assert cli.main(["variants", "--variants", "gru_no_reset", "--seeds", "1", "--epochs", "2",
                     "--seq-len", "4", "--units", "2", "--n-train", "16", "--n-test", "8",
                     "--no-progress", "--out", str(out)]) == 0  # fmt: skip
    record = load_result(out)
    assert record["command"].startswith("python -m gru_companion.experiments variants --variants")
    assert record["config"]["variants"] == ["gru_no_reset"] and record["config"]["epochs"] == 2
    (run,) = record["runs"]
    assert len(run["loss"]) == len(run["test_mse"]) == 2
    assert "gru_no_reset seed 0: test MSE" in capsys.readouterr().out
    summary = variants.summarize_variants(record)
    assert summary.loc["gru_no_reset", "seeds"] == 1


def test_tiny_gradient_flow_run(tmp_path, capsys):
    out = tmp_path / "flow.json"
    assert cli.main(["gradient-flow", "--out", str(out), "--steps", "6", "--units", "3",
                     "--train-count", "32", "--epochs", "1", "--quiet"]) == 0  # fmt: skip
    record = json.loads(out.read_text())
    assert set(record["results"]) == set(CORE)
    gru = record["results"]["gru"]
    assert len(gru["log10_norm_by_lag_initial"]) == 7 and len(gru["epoch_losses"]) == 1
    assert record["command"].startswith("python -m gru_companion.experiments gradient-flow --out")
    assert "decay per step" in capsys.readouterr().out


def test_tiny_bench_run(tmp_path, monkeypatch, capsys):
    peak, timeit = bench.matmul_peak, bench.timeit
    monkeypatch.setattr(bench, "BASE", (2, 4, 3, 5))
    monkeypatch.setattr(bench, "QUICK_AXES", {"units": (4,), "steps": (), "batch": ()})
    monkeypatch.setattr(bench, "matmul_peak", lambda size=32, repeats=2: peak(32, 2))
    monkeypatch.setattr(bench, "timeit", lambda fn, **kw: timeit(fn, min_repeats=1, budget_s=0))
    assert cli.main(["bench", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    record = load_result(tmp_path / "bench-quick.json")
    assert record["command"].startswith("python -m gru_companion.experiments bench --quick")
    assert [row["layer"] for row in record["rows"]] == ["SimpleRNN", "LSTM", "GRU"] * 2
    assert record["machine"]["gpu"] == "none used (CPU only)"  # the benchmark's own machine
    assert (tmp_path / "bench-quick.csv").read_text().startswith("layer,batch,steps")
    assert bench.bench_row(record, "GRU", units=4)["units"] == 4
    capsys.readouterr()


def test_tiny_gpu_bench_run(tmp_path, capsys, monkeypatch):
    # the smoke grid without Keras's backends: PyTorch's part only (skipped without PyTorch)
    out = tmp_path / "gpu.json"
    argv = ["gpu-bench", "--smoke", "--keras-backends", "--no-progress", "--out", str(out)]
    assert cli.main(argv) == 0
    record = load_result(out)
    assert record["command"] == "python -m gru_companion.experiments " + shlex.join(argv)
    assert record["experiment"] == "gpu-bench" and record["keras"] == {}
    assert record["config"]["widths"] == list(gpu_bench.SMOKE["widths"])
    assert set(record["summary"]) >= {"gru_lstm", "largest_difference_from_twin"}
    assert f"wrote {out}" in capsys.readouterr().out
    # the recorded command asks for what was run (as for the stored results below)
    _assert_reproduced(out, monkeypatch, tmp_path)


@pytest.mark.parametrize(
    "argv, message",
    [(["copy", "--batch-size", "0"], "batch size must be a positive integer"),
     (["adding", "--seeds", "0"], "seeds must be a positive integer"),
     (["adding", "--learning-rates", "0"], "learning rate must be a positive finite number"),
     (["variants", "--seeds", "0"], "seeds must be a positive integer")],
)  # fmt: skip
def test_bad_numbers_are_refused(argv, message):
    with pytest.raises(ValueError, match=message):
        cli.main(argv)


def _plain(value):
    return list(value) if isinstance(value, tuple | list) else value


def _json(value):
    """``value`` as JSON reads it back: tuples, nested ones too, become lists."""
    return json.loads(json.dumps(value))


def _arguments_of(command: str, monkeypatch, tmp_path) -> tuple[str, dict]:
    """The experiment a stored command runs and the arguments it passes to its runner."""
    program = "python -m gru_companion.experiments "
    assert command.startswith(program)
    argv = shlex.split(command[len(program) :])
    name = argv[0]
    seen: dict = {}

    def capture(*args, **kwargs):
        seen.update(kwargs)
        if args:
            seen["task"] = args[0]
        fakes = {"bench": {"grid": "default", "rows": []}, "gradient-flow": {"results": {}},
                 "gpu-bench": {"config": {}, "machine": {}, "torch": {}, "keras": {},
                               "summary": gpu_bench.gpu_summary({})}}  # fmt: skip
        return fakes.get(name, {"config": {}, "runs": []})

    targets = {
        "variants": (variants, "compare_variants"),
        "gradient-flow": (gradient_flow, "run_experiment"),
        "bench": (bench, "run"),
        "memory": (memory, "run_memory"),
        "gpu-bench": (gpu_bench, "run_gpu_bench"),
    }
    module, attribute = targets.get(name, (cli, "run_study"))
    monkeypatch.setattr(module, attribute, capture)
    monkeypatch.setattr(bench, "write_bench", lambda record, out: [])
    if "--out" in argv:
        argv[argv.index("--out") + 1] = str(tmp_path / "out.json")
    else:  # never over the stored file
        argv += ["--out", str(tmp_path / "out.json")]
    assert cli.main(argv) == 0
    return name, seen


@pytest.mark.parametrize(
    "path",
    sorted(DATA.glob("*.json"))
    + sorted(DATA.glob("studies/*.json"))
    + [DATA / "bench" / "bench-default.json", DATA / "bench" / "memory.json"]
    + sorted(DATA.glob("bench/gpu-*.json")),
    ids=lambda path: path.name,
)
def test_each_stored_result_is_reproduced_by_its_command(path, monkeypatch, tmp_path, capsys):
    _assert_reproduced(path, monkeypatch, tmp_path)
    capsys.readouterr()


def _assert_reproduced(path: pathlib.Path, monkeypatch, tmp_path) -> None:
    """The command recorded in the result at ``path`` asks its runner for the stored settings."""
    stored = load_result(path)
    name, arguments = _arguments_of(stored["command"], monkeypatch, tmp_path)
    if name in TASKS:
        task = TASKS[name]
        used = {**task.defaults, **arguments}
        config = stored["config"]
        for key in task.defaults:
            assert _plain(used[key]) == _plain(config[key]), key
    elif name == "variants":
        used = DEFAULTS["variants"] | arguments
        for key, value in stored["config"].items():
            if key in used:
                assert _plain(used[key]) == _plain(value), key
    elif name == "gradient-flow":
        used = DEFAULTS["gradient-flow"] | arguments
        for key, value in stored["settings"].items():
            if key in used:
                assert used[key] == value, key
    elif name == "memory":
        sizes = arguments["task"]  # the first positional argument
        assert _plain(stored["config"]["sizes"]) == [list(size) for size in sizes]
        for key in ("batch", "features", "repeats"):
            assert arguments[key] == stored["config"][key], key
    elif name == "gpu-bench":
        config = stored["config"]
        assert arguments["keras_backends"] == tuple(config["keras_backends"])
        for key in ("widths", "sizes", "features", "repeats", "warmup", "keras_units"):
            assert _json(arguments[key]) == config[key], key
    else:
        assert arguments == {"quick": stored["grid"] == "quick", "show_progress": True}


def test_stored_results_keep_the_command_they_were_run_with():
    changed = {"gradient-flow.json": "python -m gru_companion.gradient_flow --out",
               "gru_variants.json": "python -m gru_companion.gru_variants --seeds 3"}  # fmt: skip
    for name, start in changed.items():
        assert load_result(DATA / name)["command_as_run"].startswith(start)


def test_a_study_split_by_kind_records_the_command_that_makes_the_whole_file(
    tmp_path, monkeypatch
):
    from gru_companion.experiments import study

    real = study.run_study
    monkeypatch.setattr(cli, "run_study", lambda *a, **k: real(*a, jit_compile=False, **k))
    out = tmp_path / "adding.json"
    whole = ["adding", *STUDY, *TINY["adding"], "--no-progress", "--out", str(out)]
    for kind in ("gru", "lstm", "simple_rnn"):  # as three processes would, one after another
        assert cli.main([*whole, "--only-kinds", kind]) == 0
    record = load_result(out)
    assert record["command"] == "python -m gru_companion.experiments " + shlex.join(whole)
    assert sorted(run["kind"] for run in record["runs"]) == ["gru", "lstm", "simple_rnn"]
