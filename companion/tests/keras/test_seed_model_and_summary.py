"""The typical introductory model, built with and without an input, and its summary."""

import os

import pytest

from gru_companion.keras.seed_model import build_seed_model
from gru_companion.keras.summary import SUMMARY_WIDTH, summary_text


def test_unbuilt_model_shows_zero_unbuilt_and_cannot_count():
    model = build_seed_model(with_input=False)
    text = summary_text(model)
    assert text.count("0 (unbuilt)") == 4
    with pytest.raises(ValueError):
        model.count_params()


def test_built_model_summary_shows_the_counts():
    text = summary_text(build_seed_model())
    for count in ("64,000", "247,296", "49,280", "1,290", "361,866"):
        assert count in text
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= SUMMARY_WIDTH


def test_summary_width_does_not_follow_the_terminal(monkeypatch):
    model = build_seed_model()
    monkeypatch.setenv("COLUMNS", "200")
    wide = summary_text(model)
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("JUPYTER_COLUMNS", "50")
    narrow = summary_text(model)
    assert wide == narrow
    assert os.environ["COLUMNS"] == "60"  # restored afterwards


def test_summary_text_validates():
    with pytest.raises(TypeError, match="keras.Model"):
        summary_text("model")
    with pytest.raises(ValueError, match="between 40 and 200"):
        summary_text(build_seed_model(), line_length=20)


def test_build_seed_model_validates():
    with pytest.raises(TypeError, match="with_input must be True or False"):
        build_seed_model(with_input="yes")
