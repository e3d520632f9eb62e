"""The repository and launch buttons appear only once repository.url is set."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

from publishing import REPOSITORY_BUTTONS, buttons_for  # noqa: E402

LAUNCH = {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"}


def test_without_a_repository_url_no_button_links_to_one() -> None:
    for url in ("", None, "   "):
        options = buttons_for({"repository_url": url, "launch_buttons": LAUNCH,
                               "use_repository_button": True, "use_download_button": True})
        assert options["launch_buttons"] == {} and options["repository_url"] == ""
        assert not any(options[button] for button in REPOSITORY_BUTTONS)
        assert options["use_download_button"] is True  # downloads need no repository


def test_with_a_repository_url_its_buttons_appear() -> None:
    url = "https://github.com/someone/gru-course"
    options = buttons_for({"repository_url": url, "launch_buttons": LAUNCH})
    assert options["use_repository_button"] is True
    assert options["launch_buttons"] == LAUNCH and options["repository_url"] == url


def test_the_config_loads_the_extension_and_leaves_the_url_to_the_publisher() -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"] == {"publishing": "book/_ext"}
    assert "publishing" in config["sphinx"]["config"]["extensions"]
    assert "repository" in config and "url" in config["repository"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "repository.url" in readme  # the README tells a publisher what to set
