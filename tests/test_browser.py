"""The atlas in Debian's Chromium: pages load without console errors, and the main interactions work."""
import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PAGES = ["/nl/", "/nl/search?q=luik", "/nl/entity/body/livcr", "/nl/municipality/62063", "/nl/overview", "/nl/map",
         "/nl/map?view=livcr", "/nl/network", "/nl/timeline", "/nl/livcr", "/nl/trainings", "/nl/sources",
         "/fr/", "/de/map", "/en/network", "/nl/ingest"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.console_problems = []
    pg.on("console", lambda m: pg.console_problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: pg.console_problems.append(str(e)))
    yield pg
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_console_errors(page, live_server, path):
    response = page.goto(live_server + path)
    assert response.status == 200
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.console_problems == []


@pytest.mark.parametrize("query", ["Luik", "Liège"])
def test_search_finds_exonym_and_official_name(page, live_server, query):
    page.goto(live_server + "/nl/search")
    page.get_by_label("Woorden").fill(query)
    page.get_by_role("button", name="Zoeken").click()
    first = page.locator("ol.results li").first
    expect(first).to_contain_text("Luik")
    first.locator("a").first.click()
    expect(page).to_have_url(f"{live_server}/nl/municipality/62063")


def test_clicking_a_municipality_on_the_map_opens_its_profile(page, live_server):
    page.goto(live_server + "/nl/map")
    page.locator('svg.map a[data-nis="62063"] path').click()
    expect(page).to_have_url(f"{live_server}/nl/municipality/62063")
    expect(page.locator("h1")).to_have_text("Luik")


def test_map_hover_and_keyboard_show_grants(page, live_server):
    page.goto(live_server + "/en/map")
    page.locator('svg.map a[data-nis="62063"] path').hover()
    expect(page.locator("#map-info")).to_contain_text("Liège")
    page.locator('svg.map a[data-nis="21004"]').focus()
    expect(page.locator("#map-info")).to_contain_text("Bruxelles")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/en/municipality/21004")


def test_language_switch_changes_the_ui(page, live_server):
    page.goto(live_server + "/nl/map?subsidy=subsidy/impuls-2016")
    expect(page.locator("h1")).to_have_text("Subsidiekaart")
    page.get_by_role("link", name="FR", exact=True).click()
    expect(page.locator("h1")).to_have_text("Carte des subsides")
    assert page.url.endswith("/fr/map?subsidy=subsidy/impuls-2016")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_as_of_switch_changes_what_a_profile_shows(page, live_server):
    page.goto(live_server + "/en/municipality/42028?as_of=2015-12-31")
    regierol = 'section:has(#grants-h) a[href="/en/entity/subsidy/vl-regierol"]'
    expect(page.locator("#grants-h")).to_be_visible()
    expect(page.locator(regierol)).to_have_count(0)
    page.get_by_label("What applied on").fill("2017-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server}/en/municipality/42028?as_of=2017-06-01")
    expect(page.locator(regierol)).to_have_count(1)


def test_municipality_form_on_home(page, live_server):
    page.goto(live_server + "/de/")
    page.get_by_label("Gemeinde (in jeder Sprache oder NIS-Code)").fill("Bergen")
    page.get_by_role("button", name="Profil anzeigen").click()
    expect(page).to_have_url(f"{live_server}/de/municipality/53053")


def test_upload_a_document_and_see_proposals(page, live_server, tmp_path):
    doc = tmp_path / "oproep.txt"
    doc.write_text("De Impulssubsidie werd in 2016 toegekend aan Anderlecht en Zele.", encoding="utf-8")
    page.goto(live_server + "/en/ingest")
    page.get_by_label("Documents").set_input_files(str(doc))
    page.get_by_role("button", name="Read").click()
    expect(page.locator("h2", has_text="oproep.txt")).to_be_visible()
    rows = page.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has=page.get_by_role("link", name="Anderlecht", exact=True))).to_contain_text("held")
    expect(rows.filter(has=page.get_by_role("link", name="Zele", exact=True))).to_contain_text("new")
    assert page.console_problems == []
