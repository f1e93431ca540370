from django.apps import AppConfig


class ProductopsConfig(AppConfig):
    name = "productops"
    verbose_name = "productops platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from productops import background, imports, schema, tasks  # noqa: F401 (schema registers)
        from productops.member_import import MemberImporter

        imports.register(MemberImporter())

        background.register_lost_work("outbound_email", tasks.requeue_unsent_emails)
        background.register_lost_work("imports", tasks.requeue_stalled_imports)
