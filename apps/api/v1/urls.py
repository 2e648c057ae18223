from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from apps.api.v1 import views

router = DefaultRouter()
router.register("entities", views.EntityViewSet, basename="entity")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("claims", views.ClaimViewSet, basename="claim")
router.register("attestations", views.AttestationViewSet, basename="attestation")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("source-ratings", views.SourceRatingViewSet, basename="source-rating")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("", include(router.urls)),
]
