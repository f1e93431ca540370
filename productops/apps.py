from django.apps import AppConfig


class ProductopsConfig(AppConfig):
    name = "productops"
    verbose_name = "productops platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from productops import imports, lost_work, schema, services, signed_in  # noqa: F401 (schema registers)
        from productops.importers import MemberImporter

        imports.register(MemberImporter())
        signed_in.watch_users()

        lost_work.register_finder(
            "outbound_email",
            task_name="productops.tasks.send_email",
            find=services.emails_left_behind,
            older_than=services.EMAIL_LOST_AFTER,
        )
        lost_work.register_finder(
            "imports",
            task_name="productops.tasks.run_import",
            find=imports.imports_left_behind,
            older_than=imports.STALLED_AFTER,
            once=True,
        )
