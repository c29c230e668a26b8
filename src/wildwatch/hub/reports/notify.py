"""E-mails to reporters when their report's public stage changes (decided, rejected, sent to outreach). Only the
public stage and the status page's address: nothing private. In English and French, since the hub does not know
the reporter's language. A mail that cannot be sent is logged; the decision stands."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Case, Report, ReportKind

log = logging.getLogger(__name__)
STAGE_TEXT = {
    "action_taken": gettext_noop("The platform acted on the listing you reported. Thank you: reports like yours keep "
                                 "wildlife trafficking off the internet."),
    "no_violation": gettext_noop("The platform reviewed the listing you reported and found no violation of its "
                                 "rules."),
    "not_actionable": gettext_noop("Our analysts looked at your report and could not act on it."),
    "outreach": gettext_noop("The listing is on a site that is not a member of the coalition yet: we will contact "
                             "it."),
}


def _body(stage: str, link: str, code: str) -> str:
    parts = []
    for language in ("en", "fr"):
        with translation.override(language):
            parts.append("\n".join([_("Your report %(code)s") % {"code": code}, _(STAGE_TEXT[stage]),
                                    _("Follow it here: %(link)s") % {"link": link}]))
    return "\n\n---\n\n".join(parts)


def notify_reporters(case: Case, stage: str) -> int:
    """Mail every public and volunteer reporter of the case who left an address; returns how many mails."""
    if stage not in STAGE_TEXT:
        return 0
    base = getattr(settings, "WILDWATCH_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    messages = []
    for report in Report.objects.filter(case=case, kind__in=[ReportKind.PUBLIC, ReportKind.VOLUNTEER]).exclude(
            tracking_code=None):
        address = report.reporter_email or (report.reporter.email if report.reporter else "")
        if not address or not report.tracking_code:
            continue
        link = base + reverse("reports:status", args=[report.tracking_code])
        with translation.override("en"):
            subject = f"wildwatch: {report.tracking_code}"
        messages.append((subject, _body(stage, link, report.tracking_code), settings.DEFAULT_FROM_EMAIL, [address]))
    if not messages:
        return 0
    try:
        return int(send_mass_mail(tuple(messages), fail_silently=False))
    except Exception:  # the mail server is down: the decision stands, the status page tells the same
        log.exception("could not mail %d reporter(s) of case %s", len(messages), case.pk)
        return 0
