"""Logging in to the admin through its form, in a real browser: the other browser tests start signed
in (a session cookie), so this is where the form itself is used."""

from __future__ import annotations

import pytest

from tests.browser.conftest import logged_in, screenshot


def test_an_editor_logs_in_through_the_form_and_lands_on_the_admin_index(live_seed, page):
    logged_in(page, live_seed, "browser-editor")

    page.wait_for_url(f"{live_seed.url}/admin/")
    assert page.locator("#user-tools").inner_text().upper().startswith("WELCOME")


def test_a_fact_checker_logs_in_through_the_form_and_lands_on_the_desk(live_seed, browser_checker, page):
    logged_in(page, live_seed, "browser-checker")

    page.wait_for_url(f"{live_seed.url}/admin/claims/claim/desk/")
    screenshot(page, "login-fact-checker-desk")


def test_a_wrong_password_is_refused_on_the_form(live_seed, page):
    logged_in(page, live_seed, "browser-editor", "not-the-password")

    assert page.url.startswith(f"{live_seed.url}/admin/login/")
    assert "correct username and password" in page.locator(".errornote").inner_text()


def test_the_browser_tests_run_on_one_worker_under_make_test(request):
    """`make test` hands out by xdist_group (tests/browser/conftest.py marks every browser test)."""
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("run without --dist loadgroup")
    assert request.node.nodeid.endswith("@browser")
