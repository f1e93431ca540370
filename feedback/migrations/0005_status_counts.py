"""Status counters per workspace (the inbox tabs), filled from a recount of what exists."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_search_folds_accents"),
        ("productops", "0008_fold_function_fast"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("triaged", "Triaged"),
                            ("archived", "Archived"),
                            ("spam", "Spam"),
                        ],
                        max_length=10,
                    ),
                ),
                ("items", models.BigIntegerField(default=0)),
                (
                    "workspace",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="productops.workspace",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("workspace", "status"), name="status_count_once"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO feedback_statuscount (workspace_id, status, items)
            SELECT workspace_id, status, count(*) FROM feedback_feedbackitem
            GROUP BY workspace_id, status
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
