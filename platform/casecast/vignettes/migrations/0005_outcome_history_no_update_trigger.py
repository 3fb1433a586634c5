"""On PostgreSQL, refuse UPDATE of outcome history rows even from raw SQL or a bulk
queryset update (which bypass `OutcomeRecord.save`), with the audit trail's trigger function
(audit migration 0002). Deleting is left to cascades (a draft study's vignettes can be
deleted, and their history with them); `OutcomeRecord.delete` refuses a single row."""

from django.db import migrations

FORBID_CHANGES = """
CREATE TRIGGER vignettes_outcomerecord_no_update
    BEFORE UPDATE ON vignettes_outcomerecord
    FOR EACH ROW EXECUTE FUNCTION casecast_forbid_change();
"""

ALLOW_CHANGES = (
    "DROP TRIGGER IF EXISTS vignettes_outcomerecord_no_update ON vignettes_outcomerecord;"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID_CHANGES, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGES, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("vignettes", "0004_outcome_history"),
        ("audit", "0002_append_only_trigger"),
    ]
    operations = [migrations.RunPython(forward, backward)]
