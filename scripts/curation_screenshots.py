"""Screenshots for docs/curation.md: builds the bundled atlas into a temporary database, adds two curators and a
proposal, and photographs the propose form, the reviewer's view and an entity's history in Debian's Chromium.
Run: .venv/bin/python scripts/curation_screenshots.py"""
from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from policy_atlas import dataset, store
from policy_atlas.curation import accounts, proposals
from policy_atlas.web.app import create_app

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
# true facts, quoted from the report, so that the pictures show nothing invented
ALIAS = {"s": "subsidy/impuls-2016", "p": "alias", "v": "federale Impulssubsidie", "lang": "nl", "src": "far-2019",
         "q": "de federale Impulssubsidie die in 2016 werd toegekend"}


def main() -> None:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'atlas.sqlite'}"
    engine = store.connect(url)
    store.build(dataset.load(), engine)
    with engine.begin() as conn:
        passwords = {who: accounts.add(conn, f"{who}@example.org", role)
                     for who, role in (("researcher", "contributor"), ("reviewer", "reviewer"))}
    with engine.connect() as conn:
        researcher, reviewer = (accounts.by_email(conn, f"{w}@example.org") for w in ("researcher", "reviewer"))
    first = proposals.create(engine, researcher, {"title": "The report calls it the federal Impulse subsidy", "facts": [ALIAS]})
    proposals.decide(engine, first, reviewer, "accept", revision=1)
    proposals.create(engine, researcher, {"title": "The report also says Impulssubsidie, without 'federale'",
                                          "facts": [{**ALIAS, "v": "Impulssubsidie", "q": "Impulssubsidie om projecten op te zetten"}]})
    app = create_app(url)
    app.state.atlas.atlas
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
        shots = [("researcher", "curation-propose", "/en/propose?entity=subsidy/impuls-2016&prop=alias"),
                 ("reviewer", "curation-proposal", "/en/proposals/2"),
                 ("reviewer", "curation-history", "/en/history/subsidy/impuls-2016")]
        for who, name, path in shots:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/en/login")
            page.get_by_label("E-mail").fill(f"{who}@example.org")
            page.get_by_label("Password").fill(passwords[who])
            page.get_by_role("button", name="Log in").click()
            page.goto(base + path)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print("wrote", OUT / f"{name}.png")
            page.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
