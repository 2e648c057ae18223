"""The quote's near-miss help acts: one click puts the body's own text in the quote."""

from __future__ import annotations

from apps.claims.models import Attestation, Claim
from apps.documents.models import Document
from tests.browser.conftest import screenshot

BODY = "قال التقرير إن القاعدة ما زالت في كونار. وقال أيضا إن القاعدة تدرب عناصرها."
PASTED = "التقرير إن القاعده  ما زالت في كونار"  # another letter form and a doubled space
PASSAGE = "التقرير إن القاعدة ما زالت في كونار"


def test_a_near_miss_is_fixed_with_one_click_and_saved(editor_page):
    document = Document.objects.create(title="تقرير", language="ar", body=BODY)
    claim = Claim.objects.create(statement="Al-Qaeda is still in Kunar.", publication="published")
    page = editor_page
    page.goto(f"{page.base}/admin/claims/attestation/add/?claim={claim.pk}&document={document.pk}")
    page.fill("#id_quote", PASTED)
    page.click("input[name=_save]")

    page.wait_for_selector("button.ct-use-passage")
    # the error is in view, not thousands of pixels below the note at the top
    assert page.locator("ul.ct-error-links a").count() >= 1
    screenshot(page, "quote-near-miss")
    page.click("button.ct-use-passage")
    assert page.input_value("#id_quote") == PASSAGE
    page.click("input[name=_save]")

    page.wait_for_url(f"{page.base}/admin/claims/attestation/")
    saved = Attestation.objects.get(document=document)
    assert (saved.quote, saved.start) == (PASSAGE, BODY.index(PASSAGE))


def test_a_quote_found_twice_is_picked_from_a_list_with_one_click(editor_page):
    document = Document.objects.create(title="تقرير", language="ar", body=BODY)
    claim = Claim.objects.create(statement="Al-Qaeda is in Afghanistan.", publication="published")
    page = editor_page
    page.goto(f"{page.base}/admin/claims/attestation/add/?claim={claim.pk}&document={document.pk}")
    page.fill("#id_quote", "إن القاعدة")
    page.click("input[name=_save]")

    page.wait_for_selector("button.ct-use-occurrence")
    assert page.locator("ul.ct-occurrences li").count() == 2
    page.locator("button.ct-use-occurrence").nth(1).click()
    page.click("input[name=_save]")

    page.wait_for_url(f"{page.base}/admin/claims/attestation/")
    assert Attestation.objects.get(document=document).start == BODY.rindex("إن القاعدة")
