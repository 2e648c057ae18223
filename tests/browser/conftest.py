"""The admin in a real browser: Playwright driving Chromium against a live server with the seed.

Debian's `chromium` (/usr/bin/chromium, `apt-get install chromium`) is used where it is installed, else
the Chromium that `playwright install chromium` downloads. Without either the tests are skipped with a
message saying how to get one; in CI (`CI=true`) they fail instead, so that they cannot silently vanish.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from apps.accounts.roles import EDITOR, FACT_CHECKER, roles_ensure
from tests.conftest import ROOT, SEED_FIXTURE
from tests.seeding import seed_load

DEBIAN_CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "pw-for-browser-tests"
VIEWPORT = {"width": 1440, "height": 900}
NO_BROWSER = (
    "no browser for the browser tests: install Debian's Chromium (`apt-get install chromium`) or "
    "Playwright's (`.venv/bin/playwright install chromium`)"
)


def pytest_collection_modifyitems(items) -> None:
    """Every browser test in one `xdist_group`, so on one worker under `make test`: each module
    starts Playwright's driver and a Chromium (about a second of CPU each) once, not once on each
    worker its tests were handed to, and two Chromiums do not render at once on two cores. Marked
    here, before the suite's own hook reads the marks (tests/conftest.py, trylast)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def _executable() -> str | None:
    if Path(DEBIAN_CHROMIUM).exists():
        return DEBIAN_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(browser_type_launch_args):
    """Chromium for one module's tests. Playwright's sync API runs an event loop in this thread for
    as long as it is started, which Django reads as async code: the loop is stopped after the module
    (so later tests in the same worker run as usual) and, while it runs, Django is told the test's
    own database work is synchronous (DJANGO_ALLOW_ASYNC_UNSAFE, never set outside these tests)."""
    executable = _executable()
    options = {**browser_type_launch_args, **({"executable_path": executable} if executable else {})}
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            launched = playwright.chromium.launch(**options)
        except Exception as error:  # the launch error says what is missing
            if os.environ.get("CI") == "true":
                pytest.fail(f"{NO_BROWSER}: {error}")
            pytest.skip(f"{NO_BROWSER} ({str(error).splitlines()[0]})")
        yield launched
        launched.close()
    finally:
        playwright.stop()
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own cookies) at 1440×900."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def live_seed(transactional_db, live_server, django_user_model):
    """The seed corpus committed, for the server thread to see (restored from the process's snapshot:
    tests/seeding.py), and an editor to log in as."""
    seed_load(SEED_FIXTURE)
    editor = django_user_model.objects.create_user(
        username="browser-editor", password=PASSWORD, is_staff=True
    )
    editor.groups.add(roles_ensure()[EDITOR])
    return live_server


def logged_in(page, server, username: str, password: str = PASSWORD) -> None:
    """Log this tab in as a user through the admin's own form, as a person does."""
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def _signed_in(page, server, user) -> None:
    """Give this tab the session cookie of a user signed in on the server, without the login form
    and the page it leads to (tests/browser/test_login.py goes through the form for both roles)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])
    page.base = server.url


@pytest.fixture
def browser_checker(live_seed, django_user_model):
    """Sara Haddad, a fact-checker who can log in to the admin (tests/conftest.py's is another)."""
    checker = django_user_model.objects.create_user(
        username="browser-checker", password=PASSWORD, is_staff=True, first_name="Sara", last_name="Haddad"
    )
    checker.groups.add(roles_ensure()[FACT_CHECKER])
    return checker


@pytest.fixture
def editor_page(live_seed, page, django_user_model):
    """A page signed in to the admin as an editor, at 1440×900."""
    _signed_in(page, live_seed, django_user_model.objects.get(username="browser-editor"))
    return page


@pytest.fixture
def fact_checker_page(live_seed, page, browser_checker):
    """A page signed in to the admin as a fact-checker (Sara Haddad), at 1440×900, on the desk."""
    _signed_in(page, live_seed, browser_checker)
    page.goto(f"{live_seed.url}/admin/claims/claim/desk/")
    return page


def screenshot(page, name: str) -> Path:
    """Save what the browser shows to var/screenshots/NAME.png (the README names the folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
