"""The hub's URLs. Every view states the roles that may use it (see ``accounts.permissions``)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("wildwatch.hub.accounts.urls")),
    path("library/", include("wildwatch.hub.library.urls")),
    path("policies/", include("wildwatch.hub.policies.urls")),
    path("usage/", include("wildwatch.hub.usage.urls")),
    path("reports/", include("wildwatch.hub.reports.urls")),
    path("review/", include("wildwatch.hub.review.urls")),
    path("volunteers/", include("wildwatch.hub.volunteers.urls")),
    path("enforcement/", include("wildwatch.hub.enforcement.urls")),
    path("evidence/", include("wildwatch.hub.evidence.urls")),
    path("metrics/", include("wildwatch.hub.metrics.urls")),
    path("plans/", include("wildwatch.hub.plans.urls")),
    path("campaigns/", include("wildwatch.hub.campaigns.urls")),
    path("signals/", include("wildwatch.hub.signals.urls")),
    path("api/v1/", include(("wildwatch.hub.checks.urls", "api"))),
    path("", include("wildwatch.hub.ops.urls")),  # /healthz and /readyz, for load balancers and orchestrators
    path("", include("wildwatch.hub.public.urls")),
]

#: a database lost outside a view (a middleware's query) answers 503, like one lost inside (ops/dbfaults.py)
handler500 = "wildwatch.hub.ops.dbfaults.server_error"
