"""The closed lists of the hub's people: organisation kinds, platform types and roles."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    NGO = "ngo", _("NGO")
    MEMBER = "member", _("Member company")
    AGENCY = "agency", _("Law-enforcement agency")
    VOLUNTEERS = "volunteers", _("Volunteer programme")


class PlatformType(models.TextChoices):
    ECOMMERCE = "ecommerce", _("E-commerce")
    SOCIAL = "social", _("Social media")
    SEARCH = "search", _("Search")
    MESSAGING = "messaging", _("Messaging")


class Role(models.TextChoices):
    ANALYST = "analyst", _("Coalition analyst")
    COALITION_ADMIN = "coalition_admin", _("Coalition admin")
    REVIEWER = "reviewer", _("Member reviewer")
    MEMBER_ADMIN = "member_admin", _("Member admin")
    ENGINEER = "engineer", _("Member engineer")
    OFFICER = "officer", _("Law-enforcement officer")
    VOLUNTEER = "volunteer", _("Volunteer")


#: Which roles an organisation of each kind may give.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.NGO: frozenset({Role.ANALYST, Role.COALITION_ADMIN}),
    OrgKind.MEMBER: frozenset({Role.REVIEWER, Role.MEMBER_ADMIN, Role.ENGINEER}),
    OrgKind.AGENCY: frozenset({Role.OFFICER}),
    OrgKind.VOLUNTEERS: frozenset({Role.VOLUNTEER}),
}

COALITION = frozenset({Role.ANALYST, Role.COALITION_ADMIN})
MEMBERS = frozenset({Role.REVIEWER, Role.MEMBER_ADMIN, Role.ENGINEER})
#: Roles that may read the confidential keyword library (law enforcement read-only, every view audited).
LIBRARY_READERS = COALITION | MEMBERS | frozenset({Role.OFFICER})
#: Roles that must sign in with a second factor (TOTP or a recovery code); optional for the others.
TWO_FACTOR_REQUIRED = COALITION | frozenset({Role.MEMBER_ADMIN, Role.OFFICER})
