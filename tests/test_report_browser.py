"""The report in a real browser: headless Chromium (Debian's /usr/bin/chromium) through Playwright.

The page loads without console errors and asks for nothing but itself; each table has as many
rows as its embedded JSON and the coded table; headers sort and the filter box filters when
clicked and typed into; markup and quotes from the corpus stay inert text; a 1280 px wide
screenshot is not blank. Skipped when Chromium or Playwright is absent (CI allows no skip);
marked `browser`, so that .ci/run runs them once (deselected in its other suite runs).
With AGENDA_REPORT_SCREENSHOT=PATH the screenshot of the demo's report is also written to PATH
(that is how docs/report.png is made).
"""

from __future__ import annotations

import io
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import matplotlib.image
import numpy as np
import polars as pl
import pytest
from report_corpus import CLOSER, HOSTILE, Q, write_inputs

import agenda
from agenda.shipped import FLAGSHIP

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@contextmanager
def without_preload():
    """No LD_PRELOAD for the browser and its driver: `make asan` preloads ASan's runtime, which Chromium refuses."""
    saved = os.environ.pop("LD_PRELOAD", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["LD_PRELOAD"] = saved


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("needs Chromium (Debian: apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install playwright)")
    with without_preload():
        playwright = sync_api.sync_playwright().start()
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield launched
    launched.close()
    playwright.stop()


class Visit:
    """A page opened from a file, with what it logged, asked for and tried to show in a dialog."""

    def __init__(self, browser, path: Path, width: int = 1280):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()

        def route(route):
            self.requests.append(route.request.url)
            if route.request.url == self.url:
                route.continue_()
            else:
                route.abort()

        self.page.route("**/*", route)
        self.page.goto(self.url)

    def tables(self) -> dict[str, dict]:
        """Per table: its rows in the page, the rows of its embedded JSON, and its JSON."""
        return self.page.evaluate(
            """() => Object.fromEntries(Array.from(document.querySelectorAll("table.data")).map((t) => {
                const data = JSON.parse(document.getElementById(t.dataset.json).textContent);
                return [t.id, {shown: t.tBodies[0].rows.length, json: data.rows.length, data: data}];
            }))"""
        )

    def column(self, table: str, index: int) -> list[str]:
        return self.page.eval_on_selector_all(
            f"#{table} tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{index}].textContent)"
        )


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The hand-counted corpus of report_corpus.py: its coded table, and its report with corpus and gold."""
    folder = tmp_path_factory.mktemp("browser")
    corpus, codebook, gold = write_inputs(folder)
    book = agenda.load_codebook(codebook)
    coded = agenda.code(corpus, book)
    page = agenda.report(coded, book, folder / "report.html", corpus=corpus, gold=gold, resamples=100)
    return coded, page, book.item_ids


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`agenda demo` on the shipped examples: its coded table and its report.html."""
    folder = tmp_path_factory.mktemp("demo") / "agenda-demo"
    agenda.demo(folder)
    coded = pl.read_csv(folder / "coded.csv", schema_overrides={"doc_id": pl.String})
    return coded, folder / "report.html", agenda.load_codebook(FLAGSHIP).item_ids


def test_the_page_loads_without_errors_and_asks_for_nothing_but_itself(browser, small):
    visit = Visit(browser, small[1])
    assert visit.errors == []
    assert visit.requests == [visit.url]
    assert visit.dialogs == []
    assert visit.page.title().startswith("agenda report: Report <test>")


def test_each_table_has_the_rows_of_its_json_and_of_the_coded_table(browser, small, demo):
    for coded, path, ids in (small, demo):
        visit = Visit(browser, path)
        tables = visit.tables()
        assert len(tables) > 5
        for name, table in tables.items():
            assert table["shown"] == table["json"], name
        assert visit.errors == [] and visit.requests == [visit.url]
        overview = dict(zip(tables["t-overview"]["data"]["columns"], tables["t-overview"]["data"]["rows"][0]))
        assert overview["units"] == coded.height and overview["documents"] == coded["doc_id"].n_unique()
        items = tables["t-items"]["data"]
        assert [row[0] for row in items["rows"]] == ids
        with_item = {row[0]: row[items["columns"].index("units_with_item")] for row in items["rows"]}
        assert with_item == {i: int((coded[i] > 0).sum()) for i in with_item}
        kwic = {n: t for n, t in tables.items() if n.startswith("t-kwic-")}
        for name, table in kwic.items():  # all of an item's matches, up to 10
            item = name.removeprefix("t-kwic-")
            assert table["json"] == min(10, int(coded[item].sum())), name


def test_headers_sort_and_the_filter_filters(browser, small):
    visit = Visit(browser, small[1])
    header = visit.page.locator("#t-items th", has_text="units_with_item")
    header.click()
    assert visit.column("t-items", 0) == ["gamma", "beta", "alpha"]  # 0, 2, 3 units
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    assert visit.column("t-items", 0) == ["alpha", "beta", "gamma"]
    visit.page.locator("#t-by-group th", has_text="share").first.click()
    shares = [float(s.rstrip("%")) for s in visit.column("t-by-group", 5)]
    assert shares == sorted(shares)
    box = visit.page.locator('input[data-filter="t-by-group"]')
    box.fill("he said")  # case-insensitive, as typed
    assert visit.column("t-by-group", 0) == [Q] * 3
    assert visit.page.inner_text("#t-by-group-count") == "3 of 6 rows"
    box.fill("")
    assert len(visit.column("t-by-group", 0)) == 6 and visit.page.inner_text("#t-by-group-count") == "6 rows"
    assert visit.errors == []


def test_markup_and_quotes_from_the_corpus_stay_text(browser, small):
    visit = Visit(browser, small[1])
    assert visit.dialogs == [] and visit.errors == []
    assert visit.page.evaluate("() => document.querySelectorAll('script:not([type])').length") == 1
    assert visit.page.evaluate("() => document.querySelectorAll('b, i').length") == 0
    groups = visit.column("t-by-group", 0)
    assert HOSTILE in groups and Q in groups
    right = visit.page.eval_on_selector_all("#t-kwic-alpha tbody tr", "rows => rows.map(r => r.cells[5].textContent)")
    assert any(r.startswith(CLOSER[:10]) for r in right)
    labels = visit.page.locator("svg text").all_text_contents()
    assert any(HOSTILE in t for t in labels)  # the heatmap's source labels, as text


def test_a_screenshot_at_1280_px_is_not_blank(browser, demo):
    visit = Visit(browser, demo[1])
    png = visit.page.screenshot(full_page=False)
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[1] == 1280
    ink = (image[..., :3].mean(axis=2) < 0.9).mean()
    assert ink > 0.02 and image[..., :3].std() > 0.05  # text, rules and colour, not an empty page
    visit.page.locator("#items figure svg").scroll_into_view_if_needed()
    chart = visit.page.locator("#items figure svg").screenshot()
    drawn = matplotlib.image.imread(io.BytesIO(chart), format="png")
    assert (np.abs(drawn[..., :3] - drawn[..., :3].mean(axis=(0, 1))) > 0.2).any(axis=2).mean() > 0.01
    target = os.environ.get("AGENDA_REPORT_SCREENSHOT")
    if target:
        Path(target).write_bytes(visit.page.screenshot(full_page=False))
