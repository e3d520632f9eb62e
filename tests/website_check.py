"""The course website as a reader's browser sees it: build it, serve it, look at every page.

``tests/test_website.py`` uses these helpers. The browser part drives Debian's Chromium
through Playwright (``executable_path``; no browser is downloaded). Everything else (the
build, the local HTTP server, reading the built HTML and CSS) needs only the standard
library and Jupyter Book.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]

# The sources a build depends on: a change to any of them makes a built site stale.
SOURCES = ("book", "_config.yml", "_toc.yml", "companion/src")
_NOT_SOURCES = {"__pycache__", ".ipynb_checkpoints"}
# Sphinx writes the search index at the end of every successful HTML build.
BUILD_STAMP = "searchindex.js"

CHROMIUM_CANDIDATES = (
    "/usr/lib/chromium/chromium",  # Debian's binary, without the launcher script's noise
    "chromium",
    "chromium-browser",
    "google-chrome",
)


# --- building ----------------------------------------------------------------------------


def newest_source_time(root: Path = ROOT) -> float:
    """The latest modification time of any file the website is built from."""
    newest = 0.0
    for name in SOURCES:
        path = root / name
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            parts = set(file.relative_to(root).parts)
            if parts & _NOT_SOURCES or any(p.endswith(".egg-info") for p in parts):
                continue
            if file.is_file():
                newest = max(newest, file.stat().st_mtime)
    return newest


def site_is_stale(html: Path, root: Path = ROOT) -> bool:
    """True when ``html`` holds no finished build, or one older than the sources."""
    stamp = html / BUILD_STAMP
    return not stamp.is_file() or stamp.stat().st_mtime < newest_source_time(root)


def jupyter_book_command() -> list[str]:
    """The ``jupyter-book`` of the running interpreter's environment."""
    script = Path(sys.executable).parent / "jupyter-book"
    if script.is_file():
        return [str(script)]
    code = "import sys; from jupyter_book.cli.main import main; sys.exit(main())"
    return [sys.executable, "-c", code]


def build_site(root: Path = ROOT) -> Path:
    """``jupyter-book build --all root``; returns the HTML folder. Raises with the log's end.

    Every page is written anew (``--all``): an incremental build after a change to
    ``_toc.yml`` leaves the old previous/next links and sidebar in the pages not edited."""
    result = subprocess.run(
        [*jupyter_book_command(), "build", "--all", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    html = root / "_build" / "html"
    if result.returncode != 0 or not (html / BUILD_STAMP).is_file():
        log = (result.stdout + result.stderr)[-6000:]
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}):\n{log}")
    return html


def fresh_site(root: Path = ROOT) -> Path:
    """``root/_build/html``, built first if it is stale. A lock file keeps two test runs
    in one checkout from building into the same folder at once."""
    html = root / "_build" / "html"
    html.parent.mkdir(parents=True, exist_ok=True)
    with open(root / "_build" / ".website-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if site_is_stale(html, root):
            build_site(root)
    return html


# --- the table of contents ---------------------------------------------------------------


def toc_order(root: Path = ROOT) -> list[str]:
    """Pages in reading order, as docnames (``book/intro``), root first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    order = [_docname(toc["root"])]

    def walk(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if "file" in entry:
                order.append(_docname(entry["file"]))
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    walk(toc.get("sections", []))
    return order


def _docname(file: str) -> str:
    return re.sub(r"\.(md|ipynb|rst)$", "", file)


def source_of(docname: str, root: Path = ROOT) -> Path | None:
    for suffix in (".ipynb", ".md", ".rst"):
        path = root / f"{docname}{suffix}"
        if path.is_file():
            return path
    return None


# --- the built files, read as files ------------------------------------------------------


def site_pages(html: Path) -> list[str]:
    """Every HTML page of a built site, relative paths, outside Sphinx's ``_*`` folders."""
    return sorted(
        path.relative_to(html).as_posix()
        for path in html.rglob("*.html")
        if not path.relative_to(html).parts[0].startswith("_")
    )


def _offsite(url: str) -> bool:
    return urlsplit(url.strip()).scheme in {"http", "https"} or url.strip().startswith("//")


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
_ASSET_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
# <link rel=...> values that only name another page, so load nothing.
_LINK_RELS_NOT_LOADED = {"canonical", "alternate", "author", "license", "help", "next", "prev"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.offsite: list[str] = []
        self.refresh: str | None = None
        self.live_code_buttons = 0
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in _ASSET_ATTRS.get(tag, ()):
            for url in values.get(name, "").split(","):
                url = url.strip().split(" ")[0]
                if url and _offsite(url):
                    self.offsite.append(f"<{tag} {name}={url}>")
        if tag == "link" and _offsite(values.get("href", "")):
            rels = set(values.get("rel", "").lower().split())
            if not rels <= _LINK_RELS_NOT_LOADED:
                self.offsite.append(f"<link rel={values.get('rel')} href={values['href']}>")
        for url in css_urls(values.get("style", "")):
            self.offsite.append(f"<{tag} style=url({url})>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url=(.+)$", values.get("content", ""), re.IGNORECASE)
            self.refresh = match.group(1).strip() if match else None
        if "thebe-launch-button" in values.get("class", "").split():
            self.live_code_buttons += 1
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.offsite.extend(f"<style> url({url})" for url in css_urls(data))


def css_urls(css: str) -> list[str]:
    """Off-site URLs that a stylesheet loads (``url(...)``, ``@import``)."""
    found = (first or second for first, second in _CSS_URL.findall(css))
    return [url for url in found if _offsite(url)]


@dataclass
class PageFile:
    offsite: list[str]
    refresh: str | None
    live_code_buttons: int


def read_page(text: str) -> PageFile:
    parser = _PageParser()
    parser.feed(text)
    return PageFile(parser.offsite, parser.refresh, parser.live_code_buttons)


def offsite_assets(html: Path) -> dict[str, list[str]]:
    """Per file, every script, stylesheet, font or image the built site would fetch from
    another host, as written in its HTML pages and CSS files."""
    problems: dict[str, list[str]] = {}
    for path in sorted(html.rglob("*")):
        rel = path.relative_to(html).as_posix()
        if path.suffix == ".html" and not rel.startswith("_sources/"):
            page = read_page(path.read_text(encoding="utf-8", errors="replace"))
            found = page.offsite + ["a live-code (thebe) button"] * page.live_code_buttons
        elif path.suffix == ".css":
            found = css_urls(path.read_text(encoding="utf-8", errors="replace"))
        else:
            continue
        if found:
            problems[rel] = found
    return problems


# --- serving -----------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1; yields the base URL (ends with /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the browser -------------------------------------------------------------------------


def find_chromium() -> str | None:
    """``$CHROMIUM`` if set (an executable's path), else the first Chromium on this machine."""
    if os.environ.get("CHROMIUM"):
        given = Path(os.environ["CHROMIUM"])
        return str(given) if given.is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        path = candidate if Path(candidate).is_absolute() else shutil.which(candidate)
        if path and Path(path).is_file():
            return str(path)
    return None


@dataclass
class PageReport:
    """What a reader's browser met on one page (after following a redirect, if any)."""

    path: str
    final_path: str = ""
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    offsite_requests: list[str] = field(default_factory=list)
    untypeset_math: list[str] = field(default_factory=list)
    math_errors: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    typeset_formulas: int = 0
    broken_images: list[str] = field(default_factory=list)
    images: int = 0
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    text: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


# Runs in the page once it has loaded: waits for MathJax's first typesetting, for fonts and
# for every image, then reads what a reader would see.
_INSPECT = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images);
  images.forEach((img) => { if (img.loading === "lazy") img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  if (document.fonts) await document.fonts.ready;

  const mathNodes = Array.from(document.querySelectorAll("span.math, div.math"));
  const prose = document.body.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, textarea, noscript, mjx-container")
    .forEach((node) => node.remove());
  const raw = [];
  const text = prose.textContent;
  for (const match of text.matchAll(/\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{/g)) {
    raw.push(text.slice(Math.max(0, match.index - 40), match.index + 40).replace(/\s+/g, " "));
  }
  const hrefs = (selector) =>
    Array.from(document.querySelectorAll(selector)).map((a) => a.href);
  const displayMath = Array.from(document.querySelectorAll("div.math"));
  return {
    untypeset: mathNodes.filter((n) => !n.querySelector("mjx-container"))
      .map((n) => n.textContent.trim().slice(0, 80)),
    mathErrors: Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
      .map((n) => n.getAttribute("data-mjx-error") || n.textContent.slice(0, 80)),
    typeset: document.querySelectorAll("mjx-container").length,
    raw: raw,
    images: images.length,
    brokenImages: images.filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.currentSrc || img.src),
    links: hrefs("a[href]"),
    ids: Array.from(document.querySelectorAll("[id]")).map((n) => n.id)
      .concat(Array.from(document.querySelectorAll("a[name]")).map((n) => n.name)),
    text: document.body.innerText,
    facts: {
      launch: hrefs(".dropdown-launch-buttons a"),
      downloads: hrefs("a.btn-download-source-button"),
      repository: hrefs("a.btn-source-repository-button"),
      prev: hrefs("a.left-prev"),
      next: hrefs("a.right-next"),
      codeBlocks: document.querySelectorAll("div.highlight pre").length,
      copyButtons: document.querySelectorAll("button.copybtn").length,
      labelledEquations: displayMath.filter((n) => n.id.startsWith("equation-")).length,
      numberedEquations: displayMath.filter((n) => n.querySelector(".eqno")).length,
      tabSets: document.querySelectorAll(".sd-tab-set").length,
      searchBox: document.querySelectorAll("form.bd-search, .search-button-field").length,
      apiEntries: document.querySelectorAll("dl.py").length,
    },
  };
}
"""


class Reader:
    """One browser profile reading the site at ``base``. Every request to another host is
    recorded and refused (nothing leaves the machine), and storage is emptied before each
    page's scripts run, so every page is seen as on a reader's first visit."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.offsite: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        elsewhere = re.compile(rf"^(?!{re.escape(base)}|data:|blob:|about:)")
        self.context.route(elsewhere, self._refuse)
        self.context.add_init_script(
            "try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}"
        )

    def _refuse(self, route: Any) -> None:
        self.offsite.append(route.request.url)
        route.abort()

    def close(self) -> None:
        self.context.close()

    def open(self, path: str, report: PageReport | None = None) -> Any:
        """A new tab; with a report, console errors and failed requests go into it."""
        page = self.context.new_page()
        self.offsite = report.offsite_requests if report is not None else []
        if report is not None:
            errors, failed = report.console_errors, report.failed_requests
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
            page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
            page.on("response", lambda r: r.ok or failed.append(f"{r.url} ({r.status})"))
        return page

    def visit(
        self, path: str, redirect: str | None = None, screenshot: Path | None = None
    ) -> PageReport:
        """Load one page, let MathJax finish, and report what a reader met.
        ``redirect``: where the page's ``<meta http-equiv="refresh">`` sends the reader."""
        report = PageReport(path=path)
        page = self.open(path, report)
        try:
            if redirect is None:
                page.goto(self.base + path, wait_until="networkidle")
            else:  # a page that sends the reader on (``index.html``): follow it
                page.goto(self.base + path, wait_until="commit")
                page.wait_for_url(urljoin(self.base + path, redirect), wait_until="networkidle")
            report.final_path = unquote(urlsplit(page.url).path).lstrip("/")
            # A long page (the API reference) on a loaded machine: read it only once it is
            # completely parsed and its scripts (copy buttons, MathJax) have run.
            page.wait_for_load_state("load")
            page.wait_for_function("document.readyState === 'complete'", timeout=60_000)
            found = page.evaluate(_INSPECT)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            page.close()
        report.untypeset_math = found["untypeset"]
        report.math_errors = found["mathErrors"]
        report.typeset_formulas = found["typeset"]
        report.raw_tex = found["raw"]
        report.images = found["images"]
        report.broken_images = found["brokenImages"]
        report.links = found["links"]
        report.ids = set(found["ids"])
        report.text = found["text"]
        report.facts = found["facts"]
        return report

    def search(self, query: str) -> list[str]:
        """The result links that the site's search page lists for ``query``."""
        page = self.open("search.html")
        try:
            page.goto(f"{self.base}search.html?q={query}", wait_until="networkidle")
            # Sphinx's search fills the summary ("Search finished, ...") once it is done.
            page.wait_for_function(
                "() => document.querySelector('#search-results .search-summary')?.innerText",
                timeout=20_000,
            )
            links = "#search-results ul.search li a"
            return page.eval_on_selector_all(links, "as => as.map(a => a.href)")
        finally:
            page.close()


def broken_links(reports: dict[str, PageReport], html: Path, base: str) -> dict[str, list[str]]:
    """Per page, each link into the site whose file is missing, or whose ``#fragment``
    names no element of a visited target page."""
    ids = {report.final_path: report.ids for report in reports.values()}
    problems: dict[str, list[str]] = {}
    for path, report in reports.items():
        for link in report.links:
            if not link.startswith(base):
                continue
            parts = urlsplit(link)
            target = unquote(parts.path).lstrip("/")
            file = html / target
            if file.is_dir():
                target, file = f"{target.rstrip('/')}/index.html".lstrip("/"), file / "index.html"
            if not file.is_file():
                problems.setdefault(path, []).append(f"{link} (no file {target})")
            elif parts.fragment and target in ids and unquote(parts.fragment) not in ids[target]:
                problems.setdefault(path, []).append(f"{link} (no #{parts.fragment} there)")
    return problems
