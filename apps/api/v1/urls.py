from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from apps.api.v1 import auth, changes, views
from apps.api.v1.formats import annotation, claimreview, provenance


class IdRouter(DefaultRouter):
    """Rows are found by their id in digits only: `/claims/%20%31/` is no claim, not claim 1 (DRF's
    default takes any segment and lets `int(" 1")` read it)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        return rf"(?P<{lookup_prefix}{viewset.lookup_field}>[0-9]+)"


router = IdRouter()
router.register("entities", views.EntityViewSet, basename="entity")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("attestations", views.AttestationViewSet, basename="attestation")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("source-ratings", views.SourceRatingViewSet, basename="source-rating")
router.register("regrades", views.RegradeViewSet, basename="regrade")
router.register("claimreview", claimreview.ClaimReviewFeedViewSet, basename="claimreview")


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request, path):
    """A 404 in JSON, as the API's own are, where Django would answer with an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("auth/token/", auth.LoginView.as_view(), name="auth-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", auth.LogoutAllView.as_view(), name="auth-logout-all"),
    path("claims/<int:pk>/claimreview/", claimreview.ClaimReviewView.as_view(), name="claim-claimreview"),
    path(
        "attestations/<int:pk>/annotation/",
        annotation.AttestationAnnotationView.as_view(),
        name="attestation-annotation",
    ),
    path("claims/<int:pk>/annotations/", annotation.ClaimAnnotationsView.as_view(), name="claim-annotations"),
    path("claims/<int:pk>/provenance/", provenance.ClaimProvenanceView.as_view(), name="claim-provenance"),
    path("changes/", changes.ChangeFeedView.as_view(), name="changes"),
    path("", include(router.urls)),
    # any other path ending in a slash (`claims/1.5e-3/`); one without is still redirected to it first
    re_path(r"^(?P<path>[\s\S]+)/$", not_found),
]
