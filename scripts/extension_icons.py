"""Render the site's logo (static/img/logo.svg) into the extension's toolbar and store icons
(extension/icons/N.png): browsers want PNGs there. Run again when the logo changes; the PNGs are
committed, so building the extension needs no browser.

    .venv/bin/python scripts/extension_icons.py
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 32, 48, 128)


def main() -> None:
    svg = (ROOT / "static" / "img" / "logo.svg").read_text()
    out = ROOT / "extension" / "icons"
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(f'<body style="margin:0;background:transparent">{svg.replace("<svg ", f"<svg width={size} height={size} ", 1)}</body>')
            page.locator("svg").screenshot(path=out / f"{size}.png", omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
