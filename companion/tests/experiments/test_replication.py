"""Chung et al.'s JSB Chorales numbers beside a chorales study: tables, orderings, conventions."""

from __future__ import annotations

import pytest

from gru_companion.experiments.replication import (
    CHUNG_JSB,
    CHUNG_JSB_UNCONFIRMED,
    OTHER_REPLICATIONS,
    convention_effects,
    learning_curves,
    ordering_verdicts,
    overall_verdict,
    paper_model,
    paper_model_sizes,
    rate_search,
    replication_table,
    setup_table,
)
from gru_companion.experiments.tasks import CHUNG_UNITS, TASKS
from gru_companion.kinds import CORE

RATES = (0.001, 0.01)  # the study below chooses 0.01 for every model


def _run(kind, seed, rate, phase, train, test, *, valid=None, epochs=5, best=3):
    """A finished run whose best validation epoch measured ``train`` and ``test``."""
    valid = test if valid is None else valid
    history = []
    for epoch in range(1, epochs + 1):
        worse = abs(epoch - best)  # lowest at the best epoch
        history.append({"epoch": epoch, "train_nll": train + worse, "valid_nll": valid + worse,
                        "test_nll": test + worse, "epoch_seconds": 1.0,
                        "train_seconds": float(epoch)})  # fmt: skip
    units = 10
    return {"setting": None, "kind": kind, "seed": seed, "learning_rate": rate, "units": units,
            "params": 100, "jit_compile": True, "best_epoch": best,
            "stopped_epoch": epochs, "stopped_early": True, "phase": phase,
            "history": history}  # fmt: skip


def _study(values, conventions="chung", *, seeds=(0, 1, 2)):
    """A chorales study result with the test NLLs ``values[model]`` (one per seed) at the
    chosen rate; the training NLL is one nat lower, and the other rate's search run is
    worse by two nats."""
    models = TASKS["chorales"].models(conventions=conventions, subset="full")
    runs = []
    for kind in models:
        model = paper_model(kind)
        if model not in values:
            continue
        tests = values[model]
        runs.append(_run(kind, 0, RATES[0], "search", tests[0] + 1, tests[0] + 2))
        runs.append(_run(kind, 0, RATES[1], "search", tests[0] - 1, tests[0]))
        for seed, test in zip(seeds[1:], tests[1:], strict=True):
            runs.append(_run(kind, seed, RATES[1], "seeds", test - 1, test))
    config = {
        "task": "chorales", "learning_rates": list(RATES), "seeds": list(seeds),
        "search_seed": 0, "max_epochs": 500, "patience": 10, "min_delta": 0.001,
        "tolerance": 0.01, "budget": 20_000, "batch_size": 4, "subset": "full",
        "conventions": conventions, "kinds": list(models), "models": models,
        "monitor": "valid_nll", "score": "test_nll", "solved": None, "optimizer": "RMSprop",
        "clipnorm": 1.0, "pieces": {"train": 224, "valid": 69, "test": 69},
        "steps": {"train": 1, "valid": 1, "test": 1}, "weight_noise": 0.075,
    }  # fmt: skip
    return {"command": "python -m gru_companion.experiments chorales", "config": config,
            "selected": [], "runs": runs}  # fmt: skip


PAPER_ORDER = dict(zip(CORE, ([9.0, 9.1, 9.2], [8.7, 8.8, 8.9], [8.4, 8.5, 8.6]), strict=True))


# --- the paper -----------------------------------------------------------------------------


def test_the_papers_numbers_rank_gru_lstm_tanh_on_both_measures():
    for metric in ("train_nll", "test_nll"):
        assert set(CHUNG_JSB[metric]) == set(CORE)
        ranked = sorted(CORE, key=CHUNG_JSB[metric].get)
        assert ranked == ["gru", "lstm", "simple_rnn"]
    assert CHUNG_JSB["test_nll"]["gru"] == 8.54
    for metric, cells in CHUNG_JSB_UNCONFIRMED.items():
        for model, value in cells.items():
            assert model in CHUNG_JSB[metric] and value != CHUNG_JSB[metric][model]
    for report in OTHER_REPLICATIONS:
        assert report["report"] and set(report["test_nll"]) <= set(CORE)


def test_paper_model_maps_each_published_form_back_to_its_model():
    assert [paper_model(kind) for kind in ("simple_rnn", "lstm", "peephole_lstm", "gru")] == [
        "simple_rnn", "lstm", "lstm", "gru"]  # fmt: skip
    with pytest.raises(ValueError, match="paper's models"):
        paper_model("mgu")


def test_the_papers_models_have_about_20k_parameters_without_the_readout():
    sizes = paper_model_sizes()
    assert list(sizes.index) == list(CHUNG_UNITS)
    assert sizes.loc["simple_rnn", "recurrent"] == 88 * 100 + 100 * 100 + 100
    assert sizes.loc["gru", "recurrent"] == 3 * (88 * 46 + 46 * 46 + 46)  # one bias per block
    assert sizes.loc["lstm", "recurrent"] == 4 * (88 * 36 + 36 * 36 + 36) + 3 * 36  # peepholes
    assert list(sizes.total) == [27_788, 21_364, 22_766]
    assert ((sizes.recurrent - 20_000).abs() < 2_000).all()
    assert ((sizes.total - 20_000).abs() > 1_000).all()


def test_the_counted_sizes_match_keras():
    import keras

    from gru_companion.experiments.training import build_model

    models = TASKS["chorales"].models(conventions="chung", subset="full")
    sizes = paper_model_sizes()
    for kind, options in models.items():
        built = {key: value for key, value in options.items() if key != "units"}
        model = build_model(kind, 88, options["units"], 88, return_sequences=True, **built)
        assert model.count_params() == sizes.loc[paper_model(kind), "total"], kind
    keras.backend.clear_session()


# --- a study beside the paper --------------------------------------------------------------


def test_the_replication_table_reports_the_seeds_at_the_chosen_rate():
    table = replication_table(_study(PAPER_ORDER))
    assert list(table.index) == list(CHUNG_UNITS)
    assert table.loc["lstm", "kind"] == "peephole_lstm"
    assert (table.learning_rate == RATES[1]).all() and (table.seeds == 3).all()
    assert table.loc["gru", "test_nll_median"] == pytest.approx(8.5)
    assert table.loc["gru", "test_nll_low"] == pytest.approx(8.4)
    assert table.loc["gru", "test_nll_high"] == pytest.approx(8.6)
    assert table.loc["gru", "train_nll_median"] == pytest.approx(7.5)
    assert table.loc["simple_rnn", "paper_test_nll"] == CHUNG_JSB["test_nll"]["simple_rnn"]
    assert (table.best_epoch == 3).all() and (table.stopped_epoch == 5).all()


def test_a_model_still_searching_is_reported_at_its_best_rate_so_far_and_absent_ones_left_out():
    table = replication_table(_study({"gru": [8.5, 8.4, 8.6]}))
    assert list(table.index) == ["gru"]
    empty = _study({})
    assert replication_table(empty).empty


def test_the_papers_order_reproduced_beyond_the_seed_spread():
    pairs = ordering_verdicts(replication_table(_study(PAPER_ORDER)), "test_nll")
    assert list(zip(pairs.better, pairs.worse, strict=True)) == [
        ("gru", "lstm"), ("gru", "simple_rnn"), ("lstm", "simple_rnn")]  # fmt: skip
    assert list(pairs.verdict) == ["reproduced"] * 3 and pairs.apart.all()
    assert pairs.loc[0, "paper_gap"] == pytest.approx(8.67 - 8.54)
    assert pairs.loc[0, "gap"] == pytest.approx(0.3)
    assert overall_verdict(pairs) == "reproduced"


def test_overlapping_ranges_are_a_tie_whatever_the_medians_say():
    values = {**PAPER_ORDER, "lstm": [8.55, 8.45, 8.65]}  # GRU 8.5 [8.4, 8.6]: overlaps
    pairs = ordering_verdicts(replication_table(_study(values)), "test_nll")
    row = pairs[(pairs.better == "gru") & (pairs.worse == "lstm")].iloc[0]
    assert row.verdict == "tie within noise" and not row.apart and row.gap > 0
    assert overall_verdict(pairs) == "partly reproduced (the other pairs tie within noise)"


def test_a_reversed_pair_beyond_the_spread_means_not_reproduced():
    values = {**PAPER_ORDER, "simple_rnn": [7.0, 7.1, 7.2]}  # tanh best, clearly
    pairs = ordering_verdicts(replication_table(_study(values)), "train_nll")
    reversed_pairs = pairs[pairs.worse == "simple_rnn"]
    assert list(reversed_pairs.verdict) == ["reversed", "reversed"]
    assert (reversed_pairs.gap < 0).all()
    assert overall_verdict(pairs) == "not reproduced"


def test_all_ties_and_the_refusals():
    same = dict.fromkeys(CORE, [8.5, 8.4, 8.6])
    pairs = ordering_verdicts(replication_table(_study(same)))
    assert overall_verdict(pairs) == "tie within noise"
    with pytest.raises(ValueError, match="at least two models"):
        overall_verdict(ordering_verdicts(replication_table(_study({"gru": [8.5, 8.4, 8.6]}))))
    with pytest.raises(ValueError, match="metric"):
        ordering_verdicts(replication_table(_study(same)), "valid_nll")


def test_convention_effects_compare_each_model_against_the_seed_spread():
    keras_values = {**PAPER_ORDER, "gru": [9.5, 9.4, 9.6], "lstm": [8.75, 8.65, 8.85]}
    effects = convention_effects(replication_table(_study(PAPER_ORDER)),
                                 replication_table(_study(keras_values, "keras")))  # fmt: skip
    assert list(effects.index) == list(CHUNG_UNITS)
    assert effects.loc["lstm", "paper_kind"] == "peephole_lstm"
    assert effects.loc["lstm", "keras_kind"] == "lstm"
    assert effects.loc["gru", "change"] == pytest.approx(1.0)
    assert effects.loc["gru", "verdict"] == "larger than the seed spread"
    assert effects.loc["lstm", "verdict"] == "within the seed spread"
    assert effects.loc["simple_rnn", "change"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="metric"):
        convention_effects(effects, effects, "valid_nll")


# --- the setup, the search, the curves -----------------------------------------------------


def test_the_setup_table_sets_the_paper_beside_each_study():
    table = setup_table({"here": _study(PAPER_ORDER),
                         "Keras's cells": _study(PAPER_ORDER, "keras")})  # fmt: skip
    assert list(table.columns) == ["paper", "here", "Keras's cells"]
    assert "weight noise" in table.index and "early stopping" in table.index
    assert table.loc["weight noise", "paper"] == table.loc["weight noise", "here"] == "σ = 0.075"
    assert "reset_after=False" in table.loc["GRU form", "here"]
    assert "Keras's default" in table.loc["GRU form", "Keras's cells"]
    assert "peephole" in table.loc["LSTM form", "here"]
    assert table.loc["optimizer", "Keras's cells"] == "same"
    assert table.loc["pieces and split", "here"].startswith("362: 224 / 69 / 69")
    assert "at most 500 epochs" in table.loc["early stopping", "here"]
    with pytest.raises(ValueError, match="paper's column"):
        setup_table({"paper": _study(PAPER_ORDER)})


def test_a_result_of_another_task_or_no_result_is_refused():
    other = _study(PAPER_ORDER)
    other["config"] = {**other["config"], "task": "adding"}
    for function in (replication_table, rate_search, learning_curves):
        with pytest.raises(ValueError, match="'chorales'"):
            function(other)
    with pytest.raises(TypeError, match="study result"):
        replication_table([1, 2])


def test_the_rate_search_gives_each_rates_best_validation_nll():
    search = rate_search(_study(PAPER_ORDER))
    assert list(search.index) == list(RATES) and list(search.columns) == list(CHUNG_UNITS)
    assert search.loc[RATES[1], "gru"] == pytest.approx(8.4)
    assert search.loc[RATES[0], "gru"] == pytest.approx(10.4)


def test_the_learning_curves_hold_every_epoch_of_the_reported_runs_only():
    curves = learning_curves(_study(PAPER_ORDER))
    assert len(curves) == 3 * 3 * 5  # models, seeds, epochs
    assert set(curves.learning_rate) == {RATES[1]}
    assert set(curves.model) == set(CHUNG_UNITS) and "peephole_lstm" in set(curves.kind)
    best = curves[curves.epoch == curves.best_epoch]
    assert (best.groupby(["kind", "seed"]).valid_nll.min().values
            == curves.groupby(["kind", "seed"]).valid_nll.min().values).all()  # fmt: skip
    empty = learning_curves(_study({}))
    assert empty.empty and {"epoch", "valid_nll", "best_epoch"} <= set(empty.columns)
