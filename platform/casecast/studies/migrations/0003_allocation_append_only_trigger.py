"""On PostgreSQL, refuse UPDATE and DELETE on allocation rows even from raw SQL or a bulk
queryset update (which bypasses `Allocation.save`): the log is append-only like the audit
trail, and uses the same trigger function (audit migration 0002)."""

from django.db import migrations

FORBID_CHANGES = """
CREATE TRIGGER studies_allocation_append_only
    BEFORE UPDATE OR DELETE ON studies_allocation
    FOR EACH ROW EXECUTE FUNCTION casecast_forbid_change();
"""

ALLOW_CHANGES = "DROP TRIGGER IF EXISTS studies_allocation_append_only ON studies_allocation;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID_CHANGES, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGES, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0002_participants_invitations_eligibility"),
        ("audit", "0002_append_only_trigger"),
    ]
    operations = [migrations.RunPython(forward, backward)]
