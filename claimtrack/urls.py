"""URL wiring."""

from functools import partial

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.health import ReadyView, healthz
from apps.credibility.desk import landing_view

admin.site.site_header = "ClaimTrack"
admin.site.site_title = "ClaimTrack"
admin.site.index_title = "Claims, sources and their credibility"
# "View site": the site is the API; its browsable root shows, with the editor's own session, the
# rows as API clients get them, each a link away ("/" only leads back to the admin)
admin.site.site_url = "/api/v1/"

# an unreachable or read-only database is a 503 with Retry-After; API clients get JSON
handler500 = "apps.core.outage.server_error"

urlpatterns = [
    # for load balancers: the process answers; the database answers and the schema is current
    path("healthz", healthz, name="healthz"),
    path("readyz", ReadyView.as_view(), name="readyz"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # a fact-checker's front page is the desk; everyone else's the admin's index
    path("admin/", admin.site.admin_view(partial(landing_view, admin.site)), name="admin-landing"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("apps.api.v1.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # a page to read, GET only: its OPTIONS answer had no template to render with (a 500)
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", http_method_names=["get", "head"]),
        name="swagger-ui",
    ),
    path("api-auth/", include("rest_framework.urls")),
]
