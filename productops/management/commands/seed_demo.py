import os

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from productops import demo, site


class Command(BaseCommand):
    help = "Seeds the demo workspace 'acme' (idempotent; refuses production settings)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="The port the app is served on, for the sign-in address and the links in any "
            "email the seed queues (make passes PORT).",
        )

    def handle(self, *args, **options) -> None:
        served_at = os.environ.get("SITE_URL") or site.served_on(f"127.0.0.1:{options['port']}")
        with override_settings(SITE_URL=served_at):  # links in what the seed queues
            workspace = demo.seed_platform()
            for name, seed in demo.seeders():
                seed(workspace)
                self.stdout.write(f"Demo {name}: ready.")
        self.stdout.write(self.style.SUCCESS(f"Demo workspace '{workspace.slug}' is ready."))
        self.stdout.write(f"Sign in at http://127.0.0.1:{options['port']}/accounts/login/ as:")
        for email, _, role in demo.DEMO_PEOPLE:
            self.stdout.write(f"  {email:<18} ({role.label}) password: {demo.DEMO_PASSWORD}")
