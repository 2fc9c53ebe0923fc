"""Automated accessibility check of every page with axe-core (WCAG 2.0/2.1 A and AA rules) in Chromium.

axe-core is installed from the npm registry by ./test into .cache/node; it is injected into the page with the
page's CSP bypassed (the atlas itself allows no foreign script)."""
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

AXE = Path(__file__).parent.parent / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["/nl/", "/fr/search?q=luik", "/nl/entity/body/livcr", "/de/municipality/62063", "/nl/overview", "/nl/map",
         "/nl/map?view=livcr", "/en/network", "/nl/timeline", "/nl/livcr", "/en/trainings", "/nl/sources",
         "/nl/ingest", "/nl/entity/gov/atlantis"]
RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


@pytest.fixture(scope="module")
def axe_page():
    assert AXE.exists(), f"{AXE} is missing: ./test installs axe-core from npm"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize("path", PAGES)
def test_no_wcag_violations(axe_page, live_server, path):
    axe_page.goto(live_server + path)
    axe_page.add_script_tag(path=str(AXE))
    violations = axe_page.evaluate(RUN)
    assert violations == [], violations
