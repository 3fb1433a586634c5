"""One scale per stored score column, and the three-percentile score named for what it is.

- `ForecastScore.brier` held the yes/no Brier score (0–1) and the multi-category one (0–2)
  depending on the question kind; the multi-category scores move to `brier_multi`. A yes/no
  score is the one that stores a probability, so rows without one move.
- `crps` / `mean_crps` held the weighted interval score of three percentiles (Bracher et al.
  2021), not the CRPS: renamed `wis` / `mean_wis`.
"""

from django.db import migrations, models


def split_brier(apps, schema_editor):
    ForecastScore = apps.get_model("resolution", "ForecastScore")
    multi = ForecastScore.objects.filter(probability__isnull=True, brier__isnull=False)
    multi.update(brier_multi=models.F("brier"), brier=None)


def join_brier(apps, schema_editor):
    ForecastScore = apps.get_model("resolution", "ForecastScore")
    multi = ForecastScore.objects.filter(brier_multi__isnull=False)
    multi.update(brier=models.F("brier_multi"), brier_multi=None)


class Migration(migrations.Migration):
    dependencies = [
        ("resolution", "0003_summary_pending"),
    ]

    operations = [
        migrations.AddField(
            model_name="forecastscore",
            name="brier_multi",
            field=models.FloatField(
                blank=True, help_text="Multiple choice and ordered questions, 0–2.", null=True
            ),
        ),
        migrations.RunPython(split_brier, join_brier),
        migrations.AlterField(
            model_name="forecastscore",
            name="brier",
            field=models.FloatField(blank=True, help_text="Yes/no questions, 0–1.", null=True),
        ),
        migrations.RenameField(model_name="forecastscore", old_name="crps", new_name="wis"),
        migrations.AlterField(
            model_name="forecastscore",
            name="wis",
            field=models.FloatField(
                blank=True,
                help_text="Numeric percentiles: weighted interval score of p5/p50/p95, in the unit.",
                null=True,
            ),
        ),
        migrations.RenameField(
            model_name="participantsummary", old_name="mean_crps", new_name="mean_wis"
        ),
        migrations.AlterField(
            model_name="participantsummary",
            name="mean_wis",
            field=models.FloatField(
                blank=True, help_text="Numeric percentiles: weighted interval score.", null=True
            ),
        ),
        migrations.AddConstraint(
            model_name="forecastscore",
            constraint=models.CheckConstraint(
                condition=models.Q(("brier__isnull", True))
                | models.Q(("brier__gte", 0), ("brier__lte", 1)),
                name="forecast_score_brier_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="forecastscore",
            constraint=models.CheckConstraint(
                condition=models.Q(("brier_multi__isnull", True))
                | models.Q(("brier_multi__gte", 0), ("brier_multi__lte", 2)),
                name="forecast_score_brier_multi_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="forecastscore",
            constraint=models.CheckConstraint(
                condition=models.Q(("brier__isnull", True)) | models.Q(("brier_multi__isnull", True)),
                name="forecast_score_one_brier_scale",
            ),
        ),
    ]
