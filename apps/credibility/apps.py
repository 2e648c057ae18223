from django.apps import AppConfig


class CredibilityConfig(AppConfig):
    name = "apps.credibility"
    label = "credibility"
