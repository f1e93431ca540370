from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from feedback.demo import seed_feedback
        from feedback.demo_ideas import seed_ideas
        from feedback.services import ideas, intake
        from feedback.views import ideas as idea_pages
        from feedback.views import triage as triage_pages
        from productops import demo, workspace_setup

        intake.register()
        triage_pages.register()
        ideas.register()
        idea_pages.register()
        workspace_setup.register("idea statuses", ideas.idea_statuses_create_defaults)
        demo.register("feedback", seed_feedback, order=20)
        demo.register("ideas", seed_ideas, order=30)
