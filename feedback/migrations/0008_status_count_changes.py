"""Status counters carry how many writes changed them: the stamp that orders the inbox's tabs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0007_triage_time_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="statuscount",
            name="changes",
            field=models.BigIntegerField(default=0),
        ),
    ]
