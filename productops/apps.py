from django.apps import AppConfig


class ProductopsConfig(AppConfig):
    name = "productops"
    verbose_name = "productops platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from productops import background, schema, tasks  # noqa: F401 (schema registers)

        background.register_lost_work("outbound_email", tasks.requeue_unsent_emails)
