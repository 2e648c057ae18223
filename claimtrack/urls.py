"""URL wiring."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "ClaimTrack"
admin.site.site_title = "ClaimTrack"
admin.site.index_title = "Claims, sources and their credibility"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
