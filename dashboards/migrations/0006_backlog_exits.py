"""The triage flow counts every way out of the inbox (`exited`), and every workspace's days are
marked for a recount, which the refresh (or the sweeper) applies."""

from django.db import migrations, models

MARK_EVERY_DAY = """
INSERT INTO productops_changemark (workspace_id, topic, bucket, marked_at)
SELECT id, 'feedback', '*', now() FROM productops_workspace
ON CONFLICT (workspace_id, topic, bucket) DO UPDATE SET marked_at = now()
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_wake_claims_in_queueing"),
        ("feedback", "0009_exit_time_from_the_inbox"),
        ("productops", "0009_queued_wakeups"),
    ]

    operations = [
        migrations.AddField(
            model_name="triageflowdaily",
            name="exited",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunSQL(MARK_EVERY_DAY, migrations.RunSQL.noop),
    ]
