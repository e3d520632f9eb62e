"""The website as readers see it: every page loaded in headless Chromium, offline.

The site is built from the sources when ``_build/html`` is missing or older than them
(``jupyter-book build --all .``); ``GRU_COURSE_SITE=/path/to/html`` tests a site built
elsewhere from this checkout instead. A local HTTP server serves it, and Chromium
(Debian's, driven by Playwright) loads every page as on a first visit; any request to
another host is recorded and refused, so a page that would need the network fails here.
Screenshots of the landing page and two chapters go to ``_build/screenshots/``.

Without Chromium or Playwright the browser tests are skipped with a message saying how to
install them; under CI (the environment variable ``CI`` is set) they fail instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests import website_check as wc

ROOT = wc.ROOT
SITE_ENV = "GRU_COURSE_SITE"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PLAYWRIGHT_PIN = "playwright==1.65.2"
SEED_MODEL_TOTAL = "361,866"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
BRANCH = CONFIG["repository"].get("branch", "main")


def _missing(message: str) -> None:
    """Skip locally; under CI a missing browser is a failure, not a silent pass."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this fails instead of skipping)")
    pytest.skip(message)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def site() -> Path:
    """The built HTML site: given by GRU_COURSE_SITE, or _build/html, (re)built if stale."""
    given = os.environ.get(SITE_ENV)
    if given:
        html = Path(given).resolve()
        if not (html / "index.html").is_file():
            pytest.fail(f"{SITE_ENV}={given} holds no built site (no index.html)")
        return html
    try:
        return wc.fresh_site(ROOT)
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing(
            "the browser tests need Playwright for Python: "
            f"python -m pip install {PLAYWRIGHT_PIN} (it is in requirements.txt)"
        )
    chromium = wc.find_chromium()
    if chromium is None:
        _missing(
            "the browser tests need Chromium: sudo apt-get install chromium "
            "(or set CHROMIUM to a Chromium/Chrome executable)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, args=["--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def base_url(site: Path):
    with wc.serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def reader(browser, base_url: str):
    reading = wc.Reader(browser, base_url)
    yield reading
    reading.close()


def _screenshot_pages() -> dict[str, str]:
    """Site path -> screenshot name: the landing page and the first two chapters."""
    order = wc.toc_order(ROOT)
    chapters = [name for name in order[1:] if name != "book/api"]
    chapters = (chapters + [name for name in order[1:] if name not in chapters])[:2]
    shots = {"index.html": "landing.png"}
    shots.update({f"{name}.html": f"{name.replace('/', '-')}.png" for name in chapters})
    return shots


@pytest.fixture(scope="session")
def reports(site: Path, reader: wc.Reader) -> dict[str, wc.PageReport]:
    """Every page of the site, visited once."""
    shots = _screenshot_pages()
    found = {}
    for path in wc.site_pages(site):
        redirect = wc.read_page((site / path).read_text(encoding="utf-8")).refresh
        shot = SCREENSHOTS / shots[path] if path in shots else None
        found[path] = reader.visit(path, redirect=redirect, screenshot=shot)
    return found


def _problems(reports: dict[str, wc.PageReport], attribute: str) -> dict[str, list]:
    return {path: getattr(r, attribute) for path, r in reports.items() if getattr(r, attribute)}


def _toc_pages() -> list[str]:
    return [f"{name}.html" for name in wc.toc_order(ROOT)]


# --- the built files: nothing is fetched from elsewhere ----------------------------------


def test_no_page_or_stylesheet_loads_anything_from_another_host(site: Path) -> None:
    assert wc.offsite_assets(site) == {}


def test_mathjax_is_bundled_with_the_site(site: Path) -> None:
    """Every page with a formula loads MathJax from the site's own _static folder."""
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    local = re.compile(r'<script[^>]* src="(\.\./)*_static/mathjax/tex-chtml\.js(\?v=\w+)?"')
    pages = [site / path for path in wc.site_pages(site)]
    with_math = [p for p in pages if 'class="math' in p.read_text(encoding="utf-8")]
    assert site / "book" / "seed-model.html" in with_math
    assert [p for p in with_math if not local.search(p.read_text(encoding="utf-8"))] == []


def test_config_lists_every_extension_in_one_place() -> None:
    """_config.yml's sphinx.config.extensions replaces Jupyter Book's default list (to
    leave out sphinx_thebe); extensions named anywhere else would be silently ignored, so
    local_extensions may only add paths for extensions that the list names."""
    extensions = CONFIG["sphinx"]["config"]["extensions"]
    assert "sphinx_thebe" not in extensions
    assert "extra_extensions" not in CONFIG["sphinx"]
    assert set(CONFIG["sphinx"].get("local_extensions", {})) <= set(extensions)
    if "bibtex_bibfiles" in CONFIG:
        assert "sphinxcontrib.bibtex" in extensions


def test_every_toc_page_was_built(site: Path) -> None:
    assert [page for page in _toc_pages() if not (site / page).is_file()] == []


# --- every page in the browser -----------------------------------------------------------


def test_every_page_was_visited(reports: dict[str, wc.PageReport]) -> None:
    expected = {"index.html", "search.html", "genindex.html", *_toc_pages()}
    assert expected - set(reports) == set()


def test_no_console_errors(reports: dict[str, wc.PageReport]) -> None:
    assert _problems(reports, "console_errors") == {}


def test_no_failed_requests(reports: dict[str, wc.PageReport]) -> None:
    assert _problems(reports, "failed_requests") == {}


def test_nothing_is_requested_from_another_host(reports: dict[str, wc.PageReport]) -> None:
    assert _problems(reports, "offsite_requests") == {}


def test_mathjax_typesets_every_formula(reports: dict[str, wc.PageReport]) -> None:
    assert _problems(reports, "untypeset_math") == {}
    assert _problems(reports, "math_errors") == {}
    assert _problems(reports, "raw_tex") == {}
    assert reports["book/seed-model.html"].typeset_formulas > 0


def test_every_image_loads(reports: dict[str, wc.PageReport]) -> None:
    assert _problems(reports, "broken_images") == {}


def test_every_internal_link_resolves(
    reports: dict[str, wc.PageReport], site: Path, base_url: str
) -> None:
    assert wc.broken_links(reports, site, base_url) == {}


def test_seed_model_page_shows_the_parameter_total(reports: dict[str, wc.PageReport]) -> None:
    assert SEED_MODEL_TOTAL in reports["book/seed-model.html"].text


def test_screenshots_are_saved(reports: dict[str, wc.PageReport]) -> None:
    for name in _screenshot_pages().values():
        shot = SCREENSHOTS / name
        assert shot.is_file() and shot.stat().st_size > 10_000, shot


def test_landing_page_leads_to_the_introduction(reports: dict[str, wc.PageReport]) -> None:
    root = wc.toc_order(ROOT)[0]
    assert reports["index.html"].final_path == f"{root}.html"


# --- reader features on the chapter pages ------------------------------------------------


def test_notebook_pages_have_colab_and_binder_links(reports: dict[str, wc.PageReport]) -> None:
    """Once repository.url is set; while it is empty, no page links to a repository."""
    problems = {}
    if not REPOSITORY:
        launch = {name: reports[f"{name}.html"].facts["launch"] for name in wc.toc_order(ROOT)}
        assert {name: links for name, links in launch.items() if links} == {}
        return
    for name in wc.toc_order(ROOT):
        source = wc.source_of(name)
        if source is None or source.suffix != ".ipynb":
            continue
        notebook = f"{name}.ipynb"
        expected = {
            f"https://colab.research.google.com/github/{REPOSITORY.split('github.com/')[1]}"
            f"/blob/{BRANCH}/{notebook}",
            f"https://mybinder.org/v2/gh/{REPOSITORY.split('github.com/')[1]}/{BRANCH}"
            f"?urlpath=tree/{notebook}",
        }
        launch = set(reports[f"{name}.html"].facts["launch"])
        if expected - launch:
            problems[name] = sorted(expected - launch)
    assert problems == {}


def test_every_page_offers_its_source_for_download(
    reports: dict[str, wc.PageReport], site: Path
) -> None:
    problems = {}
    for name in wc.toc_order(ROOT):
        source = wc.source_of(name)
        downloads = [urlsplit(url).path for url in reports[f"{name}.html"].facts["downloads"]]
        wanted = f"/_sources/{name}{source.suffix if source else ''}"
        if wanted not in downloads or not (site / wanted.lstrip("/")).is_file():
            problems[name] = downloads
    assert problems == {}


def test_every_page_links_to_the_repository_and_has_a_search_box(
    reports: dict[str, wc.PageReport],
) -> None:
    for name in wc.toc_order(ROOT):
        facts = reports[f"{name}.html"].facts
        expected = [REPOSITORY] if REPOSITORY else []  # no button while the URL is unset
        assert [url.rstrip("/") for url in facts["repository"]] == expected, name
        assert facts["searchBox"] > 0, name


def test_every_code_block_has_a_copy_button(reports: dict[str, wc.PageReport]) -> None:
    missing = {
        path: (r.facts["codeBlocks"], r.facts["copyButtons"])
        for path, r in reports.items()
        if r.facts["copyButtons"] < r.facts["codeBlocks"]
    }
    assert missing == {}
    assert reports["book/seed-model.html"].facts["copyButtons"] > 0


def test_previous_and_next_follow_the_table_of_contents(
    reports: dict[str, wc.PageReport], base_url: str
) -> None:
    order = wc.toc_order(ROOT)
    for i, name in enumerate(order):
        facts = reports[f"{name}.html"].facts
        prev = [base_url + f"{order[i - 1]}.html"] if i > 0 else []
        after = [base_url + f"{order[i + 1]}.html"] if i + 1 < len(order) else []
        assert (facts["prev"], facts["next"]) == (prev, after), name


def test_labelled_equations_are_numbered(reports: dict[str, wc.PageReport]) -> None:
    unnumbered = {
        path: r.facts
        for path, r in reports.items()
        if r.facts["numberedEquations"] < r.facts["labelledEquations"]
    }
    assert unnumbered == {}


def test_search_finds_the_chapters(reader: wc.Reader) -> None:
    results = reader.search("GRU")
    assert any("book/seed-model.html" in url for url in results), results


def test_tabs_are_available_and_switch(site: Path, reader: wc.Reader, reports) -> None:
    """sphinx-design's tabs (NumPy | Keras side by side): the assets are served, and on any
    page that uses tabs, clicking each tab's label shows that tab's content."""
    assert (site / "_static" / "sphinx-design.min.css").is_file()
    for path in [p for p, r in reports.items() if r.facts["tabSets"]]:
        page = reader.open(path)
        page.goto(reader.base + path, wait_until="networkidle")
        for tab_set in page.query_selector_all(".sd-tab-set"):
            for label in tab_set.query_selector_all(":scope > label"):
                label.click()
                content = label.evaluate_handle("l => l.nextElementSibling").as_element()
                assert content is not None and content.is_visible(), (path, label.inner_text())
        page.close()


def test_api_reference_documents_the_companion(reports: dict[str, wc.PageReport]) -> None:
    api = reports["book/api.html"]
    assert api.facts["apiEntries"] > 0
    assert "build_seed_model" in api.text


# --- the checks catch what they are meant to catch ---------------------------------------

_BAD_PAGE = r"""<!DOCTYPE html>
<html><head>
<script src="https://cdn.example.invalid/lib.js"></script>
<link rel="stylesheet" href="https://fonts.example.invalid/font.css">
<link rel="stylesheet" href="local.css">
<script>console.error("boom"); notDefinedAnywhere();</script>
</head><body>
<p>Raw formula: $$x^2$$ and <span class="math">\(y\)</span></p>
<img src="missing.png" alt="missing">
<a href="nowhere.html">gone</a> <a href="index.html#no-such-anchor">anchor</a>
<a href="index.html#here" id="here">fine</a> <code>$$ in code is fine</code>
</body></html>
"""


@pytest.fixture
def bad_site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text(_BAD_PAGE, encoding="utf-8")
    (tmp_path / "local.css").write_text(
        "@font-face { font-family: x; src: url(https://fonts.example.invalid/x.woff2); }",
        encoding="utf-8",
    )
    return tmp_path


def test_offsite_assets_are_found_in_html_and_css(bad_site: Path) -> None:
    found = wc.offsite_assets(bad_site)
    assert found == {
        "index.html": [
            "<script src=https://cdn.example.invalid/lib.js>",
            "<link rel=stylesheet href=https://fonts.example.invalid/font.css>",
        ],
        "local.css": ["https://fonts.example.invalid/x.woff2"],
    }


def test_browser_checks_catch_a_bad_page(bad_site: Path, browser) -> None:
    with wc.serve(bad_site) as base:
        reading = wc.Reader(browser, base)
        try:
            report = reading.visit("index.html")
        finally:
            reading.close()
        broken = wc.broken_links({"index.html": report}, bad_site, base)
    assert "boom" in report.console_errors
    assert any("notDefinedAnywhere" in error for error in report.console_errors)
    assert any("missing.png (404)" in failed for failed in report.failed_requests)
    assert set(report.offsite_requests) >= {
        "https://cdn.example.invalid/lib.js",
        "https://fonts.example.invalid/font.css",
    }
    assert report.untypeset_math == ["\\(y\\)"]
    assert len(report.raw_tex) == 4  # $$, $$, \( and \) in the prose; not the $$ in <code>
    assert report.broken_images == [base + "missing.png"]
    assert broken == {
        "index.html": [
            f"{base}nowhere.html (no file nowhere.html)",
            f"{base}index.html#no-such-anchor (no #no-such-anchor there)",
        ]
    }


def test_a_site_older_than_its_sources_is_stale(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    chapter = tmp_path / "book" / "chapter.md"
    chapter.write_text("# A chapter\n", encoding="utf-8")
    html = tmp_path / "_build" / "html"
    assert wc.site_is_stale(html, tmp_path)  # never built
    html.mkdir(parents=True)
    stamp = html / wc.BUILD_STAMP
    stamp.write_text("", encoding="utf-8")
    os.utime(chapter, (stamp.stat().st_mtime - 10,) * 2)
    assert not wc.site_is_stale(html, tmp_path)
    os.utime(chapter, (stamp.stat().st_mtime + 10,) * 2)
    assert wc.site_is_stale(html, tmp_path)
