from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib import admin

        from apps.core import lookups  # noqa: F401 - registers `__any`
        from apps.core.pickers import install

        install(admin.site)
