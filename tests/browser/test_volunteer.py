"""A cyber spotter registers, fails the training quiz once, passes it, reports several listings (after fixing a
bad line, with the entries kept) and finds the reports on their page."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "tusk-and-feather-42"


def _answer(page: Any, wrong: int = 0) -> None:
    """Tick the right answers of the quiz, except for the first ``wrong`` questions (a wrong choice there)."""
    from wildwatch.hub.training import services as training

    quiz = training.get_quiz("cyber-spotter-basics")
    for n, question in enumerate(training.questions_of(quiz)):
        for choice in question.choices.all():
            if choice.correct != (n < wrong):
                page.check(f"input[name='q{question.pk}'][value='{choice.pk}']")
                if n < wrong:
                    break


def test_register_pass_the_quiz_and_report(live_server: Any, page: Any, shot: Any, settings: Any) -> None:
    from wildwatch.hub.accounts import services as accounts
    from wildwatch.hub.reports.models import Report
    from wildwatch.hub.training import content

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    accounts.create_organisation("b-spotters", "Browser Spotters", "volunteers")
    content.install(content.CYBER_SPOTTER_BASICS)  # a transactional test empties the tables a migration filled
    base = live_server.url

    # registration: Django's password rules apply
    page.goto(base + "/volunteers/register/")
    page.fill("#id_username", "rosa")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "short")
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert "too short" in page.locator("main").inner_text()
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    shot(page, "volunteer-1-register")
    with page.expect_navigation():
        page.get_by_role("button", name="Register").click()
    assert page.url.endswith("/volunteers/quiz/")
    assert "Welcome to the cyber spotters" in page.locator("main").inner_text()

    # the quiz: a first try with two wrong answers fails, the second passes
    assert page.locator("fieldset legend").count() == 5
    _answer(page, wrong=2)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert "Not passed yet" in page.locator("main").inner_text()
    shot(page, "volunteer-2-quiz-failed")
    _answer(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()
    assert "You passed with 5 of 5 right." in page.locator("main").inner_text()
    shot(page, "volunteer-3-quiz-passed")
    with page.expect_navigation():
        page.get_by_role("link", name="Go on").click()
    assert page.url.endswith("/volunteers/submit/")

    # a submission with a bad line is refused with every entry kept; fixed, it files one report per listing
    page.fill("#id_urls", "https://shop.example/item/1\nnot a web address\nhttps://market.example/lot/9")
    page.fill("#id_species_text", "Sunda pangolin")
    page.select_option("#id_product", "scales")
    page.fill("#id_seller_handle", "scaleking")
    page.fill("#id_seller_contacts", "WhatsApp: +84 912 345 678\nt.me/ScaleKing")
    page.fill("#id_notes", "Same seller on two sites; asks buyers to move to WhatsApp.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the reports").click()
    assert "Line 2 is not a web address" in page.locator("main").inner_text()
    assert page.input_value("#id_seller_handle") == "scaleking"
    shot(page, "volunteer-4-bad-line")
    page.fill("#id_urls", "https://shop.example/item/1\nhttps://market.example/lot/9")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the reports").click()
    assert page.url.endswith("/volunteers/")
    main = page.locator("main").inner_text()
    assert "2 listings reported" in main and main.count("Received") >= 2
    shot(page, "volunteer-5-my-reports")
    reports = list(Report.objects.filter(reporter__username="rosa").order_by("id"))
    assert [r.url for r in reports] == ["https://shop.example/item/1", "https://market.example/lot/9"]
    assert reports[0].seller_contacts == ["whatsapp:+84912345678", "telegram:scaleking"]

    # the report's own page
    with page.expect_navigation():
        page.get_by_role("link", name=str(reports[0].tracking_code)).click()
    assert "whatsapp:+84912345678" in page.locator("main").inner_text()
    shot(page, "volunteer-6-report")
