"""Every way out of the inbox has its time: `left_inbox_at`, kept by the services and, for any
other writer, by a trigger; items that already left get their best-known exit time (their triage
time, else their last change, else their arrival)."""

from django.db import migrations, models

TRIGGER = """
CREATE FUNCTION feedback_left_inbox() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'new' THEN
        NEW.left_inbox_at := NULL;
    ELSIF NEW.left_inbox_at IS NULL THEN
        -- Created out of the inbox (spam at intake, an import) or moved out by a writer that
        -- did not say when: its triage time, else its arrival (created) or now (moved).
        NEW.left_inbox_at := coalesce(
            NEW.triaged_at, CASE WHEN TG_OP = 'INSERT' THEN NEW.received_at ELSE now() END);
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER feedback_left_inbox
    BEFORE INSERT OR UPDATE OF status, left_inbox_at ON feedback_feedbackitem
    FOR EACH ROW EXECUTE FUNCTION feedback_left_inbox();
"""

NO_TRIGGER = """
DROP TRIGGER IF EXISTS feedback_left_inbox ON feedback_feedbackitem;
DROP FUNCTION IF EXISTS feedback_left_inbox();
"""

BACKFILL = """
UPDATE feedback_feedbackitem SET left_inbox_at = coalesce(triaged_at, updated_at, received_at)
 WHERE status <> 'new'
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0008_status_count_changes")]

    operations = [
        migrations.AddField(
            model_name="feedbackitem",
            name="left_inbox_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGER, NO_TRIGGER),
        migrations.AddIndex(
            model_name="feedbackitem",
            index=models.Index(
                condition=models.Q(left_inbox_at__isnull=False),
                fields=["workspace", "left_inbox_at"],
                name="feedback_by_exit_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="feedbackitem",
            constraint=models.CheckConstraint(
                condition=models.Q(status="new", left_inbox_at__isnull=True)
                | (~models.Q(status="new") & models.Q(left_inbox_at__isnull=False)),
                name="feedback_left_inbox_unless_new",
            ),
        ),
    ]
