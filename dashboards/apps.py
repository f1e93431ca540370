from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dashboards import refresh, wake
        from dashboards.demo import seed_dashboards
        from productops import audit, demo, lost_work
        from productops.capabilities import Capability
        from productops.navigation import NavItem, register

        register(NavItem("Dashboards", "dashboards_overview", Capability.VIEW_DASHBOARDS, "b", 5))
        audit.on_marks_written(wake.request_refresh)
        demo.register("dashboards", seed_dashboards, order=90)
        lost_work.register_finder(
            "dashboards.change_marks",
            task_name=wake.TASK,
            find=refresh.workspaces_with_waiting_marks,
            older_than=refresh.MARKS_LOST_AFTER,
        )
