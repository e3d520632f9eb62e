"""The website's repository and launch buttons, only once the repository is known.

A publisher sets one value in ``_config.yml``, ``repository.url`` (the public repository
the site is built from, e.g. ``https://github.com/<owner>/<name>``). While it is empty,
this Sphinx extension leaves out every button that would link to it: the repository
button and the Binder and Colab launch buttons, whose links are built from that URL. Once
it is set, the repository button is shown and the launch buttons configured under
``launch_buttons`` appear on every notebook page.

Jupyter Book 1.x finds this module through ``sphinx.local_extensions`` in ``_config.yml``
(which puts ``book/_ext`` on the path) and loads it from the list
``sphinx.config.extensions``.
"""

from __future__ import annotations

from typing import Any

#: The buttons that link to the repository, and so need its URL.
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def buttons_for(theme_options: dict[str, Any]) -> dict[str, Any]:
    """The theme options with the repository's buttons on if its URL is set, else removed.

    Parameters
    ----------
    theme_options
        ``html_theme_options`` as Jupyter Book passes them to the theme.

    Returns
    -------
    dict
        A new dict: with a URL, ``use_repository_button`` is ``True``; without one, every
        repository button is ``False`` and ``launch_buttons`` is empty.
    """
    options = dict(theme_options)
    if str(options.get("repository_url") or "").strip():
        options["use_repository_button"] = True
        return options
    options["repository_url"] = ""
    options["launch_buttons"] = {}
    for button in REPOSITORY_BUTTONS:
        options[button] = False
    return options


def _apply(app: Any, config: Any) -> None:
    config.html_theme_options = buttons_for(config.html_theme_options)


def setup(app: Any) -> dict[str, Any]:
    """Register the check with Sphinx (run when the configuration is read)."""
    app.connect("config-inited", _apply)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
