from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planning.demo import seed_planning
        from planning.selectors.decisions import planned_for
        from productops import demo, navigation, page_notes
        from productops.capabilities import Capability

        navigation.register(
            navigation.NavItem("Planning", "planning_list", Capability.VIEW_PLANNING, "p", 40)
        )
        page_notes.register(page_notes.PUBLIC_ROADMAP_IDEA, planned_for)
        demo.register("planning", seed_planning, order=40)
