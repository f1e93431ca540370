from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo import seed_planning
        from planning.views import sessions as session_pages
        from productops import demo

        session_pages.register()
        demo.register("planning", seed_planning, order=40)
