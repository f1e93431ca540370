"""FeedbackDaily keeps status and sentiment as columns, not key parts (far fewer rows a day).

The table is derived data: it is dropped and made again empty, and a workspace-wide feedback
change mark per workspace makes the next refresh recount every day.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("productops", "0003_import_jobs"),
    ]

    operations = [
        migrations.DeleteModel(name="FeedbackDaily"),
        migrations.CreateModel(
            name="FeedbackDaily",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("source_id", models.BigIntegerField()),
                ("area_id", models.BigIntegerField(default=0)),
                ("segment", models.CharField(blank=True, max_length=60)),
                ("items", models.PositiveIntegerField()),
                ("spam", models.PositiveIntegerField()),
                ("positive", models.PositiveIntegerField()),
                ("neutral", models.PositiveIntegerField()),
                ("negative", models.PositiveIntegerField()),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="productops.workspace",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "day", "source_id", "area_id", "segment"),
                        name="feedback_daily_bucket",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO productops_changemark (workspace_id, topic, bucket, marked_at)
            SELECT id, 'feedback', '', now() FROM productops_workspace
            ON CONFLICT (workspace_id, topic, bucket) DO UPDATE SET marked_at = EXCLUDED.marked_at
            """,
            migrations.RunSQL.noop,
        ),
    ]
