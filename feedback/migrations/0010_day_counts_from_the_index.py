"""The "All" tab's index also carries what the dashboards count of a day's items, so their
recount of the marked days is an index-only scan instead of a random read of the items' pages."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("feedback", "0009_exit_time_from_the_inbox")]

    operations = [
        migrations.RemoveIndex(model_name="feedbackitem", name="feedback_all_newest"),
        migrations.AddIndex(
            model_name="feedbackitem",
            index=models.Index(
                models.F("workspace"),
                models.OrderBy(models.F("received_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                include=(
                    "status",
                    "source",
                    "product_area",
                    "account",
                    "sentiment",
                    "triaged_at",
                    "left_inbox_at",
                    "duplicate_of",
                ),
                name="feedback_all_newest",
            ),
        ),
    ]
