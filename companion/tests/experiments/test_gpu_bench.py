"""The GPU benchmark: a smoke run on the CPU (Keras on JAX), its command line, its summary and
PyTorch's weight layout; PyTorch's own parts where PyTorch is installed (GPU machines)."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from gru_companion.experiments import gpu_bench
from gru_companion.experiments.cli import parser
from gru_companion.kinds import CORE
from gru_companion.scratch.activations import sigmoid
from gru_companion.scratch.conventions import PyTorchGRUWeights, pytorch_gru_step
from gru_companion.scratch.recurrent_layer import layer_class

TORCH = importlib.util.find_spec("torch") is not None


def test_a_smoke_run_on_the_cpu_times_keras_on_jax_and_notes_what_it_skipped(needs_jax):
    result = gpu_bench.run_gpu_bench(**gpu_bench.SMOKE, keras_backends=("jax",))
    rows = result["keras"]["jax"]["rows"]
    # GRU and LSTM on their default path and on the generic loop; SimpleRNN has one path.
    assert [(r["kind"], r["use_cudnn"]) for r in rows] == [
        ("simple_rnn", "not a setting"), ("lstm", "auto"), ("lstm", False), ("gru", "auto"),
        ("gru", False),
    ]  # fmt: skip
    for row in rows:
        assert row["backend"] == "jax" and row["units"] == gpu_bench.SMOKE["keras_units"]
        assert row["forward_ms"] > 0 and row["forward_backward_ms"] > 0
        assert row["max_abs_difference"] <= 1e-5  # float32 against the float64 twin
    kinds = {entry["kind"] for entry in result["summary"]["keras_generic_over_default"]}
    assert kinds == {"lstm", "gru"}
    assert result["summary"]["largest_difference_from_twin"]["keras_jax_float32"] <= 1e-5
    assert result["machine"]["versions"]["jax"] != "not installed"
    assert result["config"]["sizes"] == [list(gpu_bench.SMOKE["sizes"][0])]
    if TORCH:
        assert result["torch"]["times"] and result["torch"]["equality"]
    else:
        assert "PyTorch is not installed" in result["torch"]["skipped"]


def test_the_command_line_writes_the_machine_s_file(tmp_path, capsys):
    table = {gpu_bench.COMMAND.name: gpu_bench.COMMAND}
    args = parser(table).parse_args(["gpu-bench", "--smoke", "--keras-backends", "--out",
                                     str(tmp_path / "gpu.json"), "--no-progress"])  # fmt: skip
    record = gpu_bench.COMMAND.run(args)
    assert record["config"]["widths"] == list(gpu_bench.SMOKE["widths"])
    assert record["keras"] == {}
    (path,) = gpu_bench.COMMAND.write(record, args)
    assert json.loads(path.read_text())["config"] == record["config"]
    gpu_bench.COMMAND.report(record)
    if not TORCH:
        assert "skipped: PyTorch is not installed" in capsys.readouterr().out
    defaults = parser(table).parse_args(["gpu-bench"])
    assert defaults.sizes == list(gpu_bench.DEFAULT_SIZES) and defaults.out is None
    assert defaults.keras_backends == list(gpu_bench.KERAS_BACKENDS)
    assert parser(table).parse_args(["gpu-bench", "--sizes", "8x20", "16x5"]).sizes == [
        (8, 20), (16, 5),
    ]  # fmt: skip


def test_the_file_is_named_after_the_gpu():
    assert gpu_bench.machine_slug({"gpu": "NVIDIA H200"}) == "h200"
    assert gpu_bench.machine_slug({"gpu": "NVIDIA GeForce RTX 4090"}) == "geforce-rtx-4090"
    assert gpu_bench.machine_slug({"gpu": None}) == "cpu"
    assert gpu_bench.default_out({"gpu": "NVIDIA H200"}).name == "gpu-h200.json"
    assert gpu_bench.default_out({}).parent.parts[-3:] == ("book", "data", "bench")


@pytest.mark.parametrize("text", ["64", "64x", "0x100", "ax3", "64x100x2"])
def test_sizes_are_batch_x_steps(text):
    with pytest.raises(ValueError, match="BATCHxSTEPS"):
        gpu_bench.parse_batch_steps(text)


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"keras_backends": ("tensorflow",)}, ValueError, "keras_backends must be among"),
        ({"kinds": ("mgu",)}, ValueError, "PyTorch has no layer of the kind 'mgu'"),
        ({"sizes": ((64,),)}, TypeError, "pair"),
        ({"widths": (0,)}, ValueError, "width must be a positive integer"),
        ({"warmup": -1}, ValueError, "warmup must be a non-negative integer"),
    ],
)
def test_run_gpu_bench_refuses_bad_grids(arguments, error, match):
    with pytest.raises(error, match=match):
        gpu_bench.run_gpu_bench(**arguments)


def _torch_lstm_step(x, h, c, weights):
    """One step of PyTorch's ``nn.LSTM`` as its documentation writes it (gates i, f, g, o)."""
    gates = x @ weights["weight_ih_l0"].T + weights["bias_ih_l0"]
    gates = gates + h @ weights["weight_hh_l0"].T + weights["bias_hh_l0"]
    i, f, g, o = np.split(gates, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


@pytest.mark.parametrize("kind", CORE)
def test_pytorch_s_layout_computes_what_the_numpy_layer_computes(kind):
    layer = layer_class(kind).initialized(3, 4, seed=2, return_sequences=True)
    weights = gpu_bench.torch_weights(kind, layer.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3))
    h = c = np.zeros((2, 4))
    outputs = []
    for t in range(5):
        if kind == "gru":
            converted = PyTorchGRUWeights(
                *(weights[n] for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
            )
            h = pytorch_gru_step(x[:, t], h, converted)  # fmt: skip
        elif kind == "lstm":
            h, c = _torch_lstm_step(x[:, t], h, c, weights)
        else:  # nn.RNN: tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
            h = np.tanh(x[:, t] @ weights["weight_ih_l0"].T + weights["bias_ih_l0"]
                        + h @ weights["weight_hh_l0"].T + weights["bias_hh_l0"])  # fmt: skip
        outputs.append(h)
    np.testing.assert_allclose(np.stack(outputs, axis=1), layer(x), rtol=0, atol=1e-14)
    assert all(w.flags.c_contiguous for w in weights.values())


def test_the_summary_reads_ratios_from_the_rows():
    times = []
    for kind, units, comparison, fb in (("lstm", 8, "equal width", 2.0),
                                        ("gru", 8, "equal width", 1.0),
                                        ("gru", 10, "equal budget", 3.0)):  # fmt: skip
        times.append(
            {
                "kind": kind,
                "units": units,
                "width": 8,
                "comparison": comparison,
                "batch": 2,
                "steps": 5,
                "forward_ms": fb / 2,
                "forward_backward_ms": fb,
            }
        )
    result = {
        "torch": {
            "times": times,
            "memory": [{"kind": "lstm", "units": 8, "batch": 2, "steps": 5, "step_mib": 4.0},
                       {"kind": "gru", "units": 8, "batch": 2, "steps": 5, "step_mib": 5.0}],
            "cell_loop": [{"kind": "gru", "units": 8, "width": 8, "batch": 2, "steps": 5,
                           "forward_backward_ms": 10.0}],
            "equality": [{"dtype": "float32", "output": 1e-7, "state": 2e-7},
                         {"dtype": "float64", "output": 1e-16, "state": 0.0}],
        },
        "keras": {"torch": {"rows": [
            {"kind": "gru", "use_cudnn": "auto", "forward_ms": 1.0, "forward_backward_ms": 6.0,
             "max_abs_difference": 1e-7},
            {"kind": "gru", "use_cudnn": False, "forward_ms": 9.0, "forward_backward_ms": 114.0,
             "max_abs_difference": 2e-7},
        ]}, "jax": {"skipped": "jax is not installed"}},
    }  # fmt: skip
    summary = gpu_bench.gpu_summary(result)
    (entry,) = summary["gru_lstm"]
    assert entry["time_forward_backward_width"] == 0.5 and entry["memory_width"] == 1.25
    assert entry["time_forward_backward_budget"] == 1.5 and entry["gru_units_budget"] == 10
    assert "memory_budget" not in entry  # no memory row for the GRU of 10 units
    assert summary["cell_loop_over_cudnn"] == [{"kind": "gru", "units": 8,
                                                "forward_backward": 10.0}]  # fmt: skip
    (generic,) = summary["keras_generic_over_default"]
    assert generic["forward_backward"] == 19.0 and generic["forward"] == 9.0
    assert summary["largest_difference_from_twin"] == {
        "keras_torch_float32": 2e-7, "torch_float32": 2e-7, "torch_float64": 1e-16,
    }  # fmt: skip


@pytest.mark.skipif(not TORCH, reason="PyTorch is not installed (GPU machines only)")
@pytest.mark.parametrize("kind", CORE)
def test_pytorch_s_layer_computes_what_the_numpy_twin_computes(kind):
    rows = gpu_bench.torch_equality(kind, 6, 3, 7, 4)
    by_dtype = {row["dtype"]: row for row in rows}
    assert max(by_dtype["float64"]["output"], by_dtype["float64"]["state"]) <= 1e-12
    assert max(by_dtype["float32"]["output"], by_dtype["float32"]["state"]) <= 1e-5


@pytest.mark.skipif(not TORCH, reason="PyTorch is not installed (GPU machines only)")
def test_pytorch_timings_and_memory_are_measured():
    times = gpu_bench.torch_times("gru", 8, 2, 5, 4, warmup=1, repeats=2)
    loop = gpu_bench.torch_cell_loop_times("lstm", 8, 2, 5, 4, warmup=1, repeats=2)
    assert min(*times.values(), *loop.values()) > 0
    memory = gpu_bench.torch_step_memory("gru", 8, 2, 5, 4)
    import torch

    assert (memory is None) == (not torch.cuda.is_available())
