from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feedback.services import ideas, intake
        from feedback.views import ideas as idea_pages
        from feedback.views import triage as triage_pages

        intake.register()
        triage_pages.register()
        ideas.register()
        idea_pages.register()
