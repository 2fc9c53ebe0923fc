"""The whole curation path in Debian's Chromium: log in, propose from an entity page, a second account reviews
the diff and accepts, and the public page shows the change with its author and source."""

import pytest
from playwright.sync_api import expect, sync_playwright
from conftest import served

from test_browser import CHROMIUM

ENTITY = "/en/entity/subsidy/impuls-2016"


@pytest.fixture
def curation_server(curation_sqlite_url):
    from policy_atlas.web.app import create_app

    app = create_app(curation_sqlite_url)
    app.state.atlas.atlas
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


def session(browser, base, email, password, problems):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(base + "/en/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Log out ({email})")).to_be_visible()
    return page


def test_propose_review_accept_publish(browser, curation_server, curators):
    problems: list[str] = []
    author = session(browser, curation_server, "contributor@example.org", curators["contributor"][1], problems)
    author.goto(curation_server + ENTITY)
    author.get_by_role("link", name="Propose a change").click()
    author.get_by_label("Property to change or add").select_option("recipient")
    author.get_by_role("button", name="Choose").click()
    author.get_by_label("Municipalities (names in any language or NIS codes, one per line)").fill("Zele")
    author.get_by_label("Valid from (YYYY, YYYY-MM or YYYY-MM-DD)").fill("2016")
    author.get_by_label("Source", exact=True).select_option("far-2019")
    author.get_by_label("Short verbatim quote").fill("Zele")
    author.get_by_label("What this proposal changes, and why (one line)").fill("Zele received the Impuls subsidy")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("h1")).to_contain_text("Zele received the Impuls subsidy")
    expect(author.get_by_text("Four eyes")).to_be_visible()
    expect(author.get_by_role("button", name="Accept and publish")).to_have_count(0)

    reviewer = session(browser, curation_server, "reviewer@example.org", curators["reviewer"][1], problems)
    reviewer.goto(curation_server + "/en/proposals")
    reviewer.get_by_role("link", name="Zele received the Impuls subsidy").click()
    added = reviewer.locator("tr.diff-added")
    expect(added).to_have_count(1)
    expect(added.locator("td.before")).to_be_empty()
    expect(added.locator("td.after")).to_contain_text("Zele")
    expect(added.locator("td.after")).to_contain_text("far-2019")
    reviewer.get_by_role("button", name="Accept and publish").click()
    expect(reviewer.locator(".kicker")).to_contain_text("accepted")

    public = browser.new_context().new_page()
    public.goto(curation_server + ENTITY)
    recipient = public.locator("section.prop li", has=public.get_by_role("link", name="Zele", exact=True))
    expect(recipient).to_have_count(1)
    expect(recipient.locator(".cite")).to_be_visible()
    expect(public.locator(".curate")).to_contain_text("contributor@example.org")
    public.get_by_role("link", name="History: who changed what").click()
    event = public.locator("section.event").first
    expect(event).to_contain_text("contributor@example.org")
    expect(event).to_contain_text("reviewer@example.org")
    expect(event).to_contain_text("far-2019")
    assert problems == []
