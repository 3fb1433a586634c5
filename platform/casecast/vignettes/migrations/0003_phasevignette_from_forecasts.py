# The phase plan moves from forecasts to vignettes (the app that owns what a
# phase delivers), so vignettes need not import forecasts. Only Django's model
# state changes: the table `forecasts_phasevignette`, created by forecasts 0001,
# stays as it is. forecasts 0004 then drops `forecasts.PhaseVignette` from state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forecasts', '0003_idempotency_key_per_assignment'),
        ('studies', '0004_reconsent'),
        ('vignettes', '0002_question_confidence_scale'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PhaseVignette',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('is_retest', models.BooleanField(default=False, help_text='A repeat of a vignette from an earlier phase (test–retest).')),
                        ('arm', models.ForeignKey(blank=True, help_text='Only participants in this arm get it; empty means everyone.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='studies.arm')),
                        ('phase', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='studies.phase')),
                        ('vignette', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='phase_items', to='vignettes.vignette')),
                    ],
                    options={
                        'db_table': 'forecasts_phasevignette',
                        'ordering': ['phase', 'position', 'pk'],
                        'constraints': [
                            models.UniqueConstraint(fields=('phase', 'vignette', 'arm'), name='phase_vignette_once_per_arm'),
                            models.UniqueConstraint(condition=models.Q(('arm__isnull', True)), fields=('phase', 'vignette'), name='phase_vignette_once_for_all'),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
