from django.db import migrations

FORBID = """
CREATE FUNCTION productops_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER productops_auditevent_append_only
    BEFORE UPDATE OR DELETE ON productops_auditevent
    FOR EACH ROW EXECUTE FUNCTION productops_audit_is_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS productops_auditevent_append_only ON productops_auditevent;
DROP FUNCTION IF EXISTS productops_audit_is_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("productops", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
