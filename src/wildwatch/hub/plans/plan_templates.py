"""The action-plan templates (one per platform type) and the vulnerability assessment, as data.

Texts are stored in English and shown through the translation catalogs (``gettext_noop`` marks them here; the
plans app's French catalog translates every one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_noop as _

from wildwatch.hub.accounts.roles import PlatformType


@dataclass(frozen=True)
class ItemSpec:
    key: str
    title: str
    #: days from the plan's creation to the suggested due date
    due_in_days: int = 90


@dataclass(frozen=True)
class AssessmentQuestion:
    key: str
    text: str
    #: the items suggested when the answer is yes
    suggests: tuple[ItemSpec, ...]


_POLICY = ItemSpec("policy", _("Publish a prohibited-wildlife policy that names live animals, their parts and "
                               "products"), 30)
_LIBRARY = ItemSpec("library", _("Connect to the coalition's keyword library through the hub's API"), 60)
_REVIEWERS = ItemSpec("reviewers", _("Train the review team on wildlife products and the coalition's guidance"), 60)
_REPORTING = ItemSpec("reporting", _("Give users a \"wildlife trafficking\" reason in the report button"), 45)
_ENFORCEMENT = ItemSpec("enforcement", _("Agree how to answer requests and hold evidence for law enforcement"), 120)
_METRICS = ItemSpec("metrics", _("Share quarterly figures of wildlife listings removed with the coalition"), 120)

TEMPLATES: dict[str, tuple[ItemSpec, ...]] = {
    PlatformType.ECOMMERCE: (
        _POLICY, _LIBRARY,
        ItemSpec("listing-screening", _("Screen new listings before they are published and hold flagged ones for "
                                        "review"), 90),
        ItemSpec("seller-sanctions", _("Apply escalating sanctions to sellers of prohibited wildlife products"), 90),
        ItemSpec("categories", _("Review the product categories most used for wildlife products (jewellery, "
                                 "traditional medicine, pets, decoration)"), 60),
        _REVIEWERS, _REPORTING, _ENFORCEMENT, _METRICS,
    ),
    PlatformType.SOCIAL: (
        _POLICY, _LIBRARY,
        ItemSpec("groups", _("Find and review groups and pages dedicated to trading wildlife"), 60),
        ItemSpec("hashtags", _("Block or warn on hashtags used to advertise protected species"), 60),
        ItemSpec("live-video", _("Include wildlife trafficking in the moderation of live video and stories"), 120),
        _REVIEWERS, _REPORTING, _ENFORCEMENT, _METRICS,
    ),
    PlatformType.SEARCH: (
        _POLICY,
        ItemSpec("search-warnings", _("Show a warning with the law on searches for protected species products"),
                 60),
        ItemSpec("ads", _("Refuse ads and shopping results for prohibited wildlife products"), 60),
        ItemSpec("autocomplete", _("Remove suggestions that lead to wildlife products from autocomplete"), 90),
        _LIBRARY, _REPORTING, _METRICS,
    ),
    PlatformType.MESSAGING: (
        _POLICY,
        ItemSpec("public-channels", _("Review public channels and groups that advertise wildlife for sale"), 60),
        ItemSpec("message-reports", _("Let users report a conversation for wildlife trafficking"), 60),
        ItemSpec("repeat-accounts", _("Close accounts that repeatedly trade wildlife and stop them coming back"), 90),
        _REVIEWERS, _ENFORCEMENT, _METRICS,
    ),
}

ASSESSMENT: tuple[AssessmentQuestion, ...] = (
    AssessmentQuestion("high_volume", _("Are more than 100,000 listings or posts published each month?"), (
        ItemSpec("a-automated-screening", _("Screen new content automatically and send only flagged items to "
                                            "reviewers"), 90),)),
    AssessmentQuestion("search", _("Can users search the platform's listings or posts?"), (
        ItemSpec("a-search-popups", _("Show a warning pop-up on searches for protected species"), 60),)),
    AssessmentQuestion("private_messaging", _("Can users message each other privately?"), (
        ItemSpec("a-message-reports", _("Let users report private messages offering wildlife"), 60),
        ItemSpec("a-off-platform", _("Warn on listings that move buyers to other messaging apps"), 90),)),
    AssessmentQuestion("live_animals", _("Are there categories for live animals, pets or animal products?"), (
        ItemSpec("a-live-animals", _("Review the live-animal and animal-product categories with the partner NGO"),
                 30),)),
    AssessmentQuestion("in_app_payment", _("Can buyers pay in the app?"), (
        ItemSpec("a-payments", _("Stop payments to sellers whose wildlife listings were removed"), 90),)),
    AssessmentQuestion("cross_border", _("Do sellers ship or users trade across borders?"), (
        ItemSpec("a-cross-border", _("Check cross-border listings of wildlife against CITES permit rules"), 120),)),
    AssessmentQuestion("past_incidents", _("Has wildlife trafficking already been found on the platform?"), (
        ItemSpec("a-past-incidents", _("Review past wildlife incidents with the partner NGO and note their "
                                       "patterns"), 30),)),
)

ASSESSMENT_KEYS = tuple(q.key for q in ASSESSMENT)


def template_items(platform_type: str) -> tuple[ItemSpec, ...]:
    """The template's items for a platform type (``KeyError`` for an unknown type)."""
    return TEMPLATES[platform_type]


def suggested_items(answers: Mapping[str, object]) -> list[ItemSpec]:
    """The items the assessment suggests: those of every question answered yes, in the questionnaire's order."""
    return [item for q in ASSESSMENT if answers.get(q.key) is True for item in q.suggests]
