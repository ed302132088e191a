"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

The live server runs on a transactional database that is flushed after every test, so each journey asks
for ``server`` — which reloads the demo world (idempotent) before the first page is opened.
Screenshots land in ``tests/e2e/screenshots/`` (gitignored): look at them, because text assertions pass
even when every Chinese character renders as a box.
"""

import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

# The sync Playwright API runs an event loop in this thread; Django refuses ORM calls there unless told.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

SCREENSHOTS = Path(__file__).parent / "screenshots"
SCREENSHOTS.mkdir(exist_ok=True)


AXE_JS = Path(__file__).resolve().parents[2] / "static_build" / "vendor" / "axe-core" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """Run axe-core (from npm, WCAG 2.1 A/AA rules) on the page; the serious and critical violations as text."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run make setup")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
        'wcag21aa']}, resultTypes: ['violations']})""")
    out = []
    for v in result["violations"]:
        if v.get("impact") in AXE_BLOCKING:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            out.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return out


def shot(page, name: str, *, axe: bool = True) -> Path:
    """Save a full-page PNG as screenshots/<name>.png and return its path. Every page a journey looks at is also
    checked with axe-core: a serious or critical WCAG 2.1 AA violation fails the journey (ARCHITECTURE "Pages")."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if axe:
        violations = axe_violations(page)
        assert violations == [], f"accessibility violations on {page.url} ({name}):\n" + "\n".join(violations)
    return path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def e2e_world(transactional_db):
    """The demo world on the live server's (transactional, flushed-after-each-test) database."""
    from suiban.demo import world as demo

    return demo.load()


@pytest.fixture
def server(live_server, e2e_world):
    """Base URL of the live server, with the demo world loaded."""
    return live_server.url


@pytest.fixture
def new_page(browser):
    """new_page(viewport=...) → a page in a fresh context (own cookies); every context is closed afterwards.

    Each page records uncaught JavaScript errors in ``page.js_errors`` and failed same-origin requests
    (status ≥ 400, e.g. a missing stylesheet; the browser's own /favicon.ico probe aside) in
    ``page.bad_responses``.
    """
    contexts = []

    def make(viewport=None, locale="zh-CN"):
        # bypass_csp: axe-core is injected into every page a journey checks (the CSP itself is tested apart)
        ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale, accept_downloads=True, bypass_csp=True)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.js_errors = []
        page.bad_responses = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))

        def on_response(resp):
            own = re.match(r"https?://(localhost|127\.0\.0\.1)(:\d+)?/", resp.url)
            if resp.status >= 400 and own and not resp.url.endswith("/favicon.ico"):
                page.bad_responses.append(f"{resp.status} {resp.url}")

        page.on("response", on_response)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    """A 1280×800, zh-CN page in its own browser context."""
    return new_page()


def login(page, live_server, username: str, password: str | None = None):
    """Log in through the login form and wait for the home page (``live_server``: the fixture or its URL)."""
    from suiban.demo.world import DEMO_PASSWORD

    base = live_server if isinstance(live_server, str) else live_server.url
    page.goto(f"{base}/accounts/login/")
    form = page.locator("form:has(#id_username)")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(password or DEMO_PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.wait_for_load_state("networkidle")
    return page


@pytest.fixture
def ui():
    """The helpers above for test modules: ``ui.login(page, server, "hc_bureau")``, ``ui.shot(page, name)``.

    (Handed over as a fixture because ``tests/conftest.py`` is also a top-level module named ``conftest``,
    so ``from conftest import login`` would depend on collection order.)
    """
    return SimpleNamespace(login=login, shot=shot, axe_violations=axe_violations, SCREENSHOTS=SCREENSHOTS,
                           DESKTOP=DESKTOP, PHONE=PHONE)
