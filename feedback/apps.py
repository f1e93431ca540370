from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Everything feedback plugs into the platform, in one place."""
        from feedback.demo import seed_feedback
        from feedback.demo_ideas import seed_ideas
        from feedback.importers import FeedbackImporter
        from feedback.selectors import palette as palette_finders
        from feedback.services import ideas, loop_closures, processing
        from productops import demo, imports, lost_work, navigation, palette, workspace_setup
        from productops.capabilities import Capability
        from productops.navigation import NavItem
        from productops.palette import Kind

        navigation.register(NavItem("Inbox", "feedback_inbox", Capability.VIEW_FEEDBACK, "f", 10))
        navigation.register(NavItem("Ideas", "idea_list", Capability.VIEW_FEEDBACK, "d", 12))
        navigation.register(NavItem("Accounts", "account_list", Capability.VIEW_FEEDBACK, "c", 13))
        navigation.register(NavItem("Sources", "source_list", Capability.MANAGE_SOURCES, "r", 14))
        palette.register(Kind("items", Capability.VIEW_FEEDBACK, palette_finders.items, 10))
        palette.register(Kind("ideas", Capability.VIEW_FEEDBACK, palette_finders.ideas, 12))
        palette.register(Kind("accounts", Capability.VIEW_FEEDBACK, palette_finders.accounts, 13))
        imports.register(FeedbackImporter())
        lost_work.register_finder(
            "feedback_processing",
            task_name="feedback.tasks.process_feedback",
            find=processing.unprocessed_workspaces,
            older_than=processing.LOST_AFTER,
            once=True,
        )
        lost_work.register_finder(
            "feedback.loop_closures",
            task_name="feedback.tasks.send_loop_closure",
            find=loop_closures.loop_closures_left_behind,
            older_than=loop_closures.LOST_CLOSURE_AFTER,
        )
        workspace_setup.register("idea statuses", ideas.idea_statuses_create_defaults)
        demo.register("feedback", seed_feedback, order=20)
        demo.register("ideas", seed_ideas, order=30)
