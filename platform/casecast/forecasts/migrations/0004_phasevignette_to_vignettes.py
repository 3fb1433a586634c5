# `PhaseVignette` now belongs to vignettes (vignettes 0003 added it to the state,
# on the same table). Remove it from forecasts' state only: the table stays.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('forecasts', '0003_idempotency_key_per_assignment'),
        ('vignettes', '0003_phasevignette_from_forecasts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='PhaseVignette')],
            database_operations=[],
        ),
    ]
