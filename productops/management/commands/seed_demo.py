from django.core.management.base import BaseCommand

from productops import demo


class Command(BaseCommand):
    help = "Seeds the demo workspace 'acme' (idempotent; refuses production settings)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="The port the app is served on, for the sign-in address (make passes PORT).",
        )

    def handle(self, *args, **options) -> None:
        workspace = demo.seed_platform()
        for name, seed in demo.seeders():
            seed(workspace)
            self.stdout.write(f"Demo {name}: ready.")
        self.stdout.write(self.style.SUCCESS(f"Demo workspace '{workspace.slug}' is ready."))
        self.stdout.write(f"Sign in at http://127.0.0.1:{options['port']}/accounts/login/ as:")
        for email, _, role in demo.DEMO_PEOPLE:
            self.stdout.write(f"  {email:<18} ({role.label}) password: {demo.DEMO_PASSWORD}")
