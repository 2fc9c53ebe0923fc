"""Screenshots for the README and docs/: starts the atlas on a free port and photographs pages in
Debian's Chromium. Run: .venv/bin/python scripts/screenshots.py"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from policy_atlas.web.app import create_app

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
SHOTS = [("home", "/en/", None), ("map", "/en/map", "main"), ("network", "/en/network", "main"),
         ("municipality", "/fr/municipality/62063?as_of=2017-06-01", None), ("livcr", "/nl/livcr", None)]


def main() -> None:
    app = create_app()
    app.state.atlas.atlas
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        for name, path, _ in SHOTS:
            page.goto(f"http://127.0.0.1:{port}{path}")
            if name in ("map", "network"):
                page.locator("svg.map, svg.network").first.scroll_into_view_if_needed()
            page.screenshot(path=str(OUT / f"{name}.png"))
            print("wrote", OUT / f"{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
