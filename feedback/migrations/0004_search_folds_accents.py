"""The full-text column folds accents (productops_fold), so "cafe" finds "café" both ways.

Postgres cannot change a generated column's expression in place before version 17, so the column
and its GIN index are dropped and made again: one rewrite of the table.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import productops.folding


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_default_idea_statuses"),
        ("productops", "0006_fold_function"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="feedbackitem", name="feedback_search"),
        migrations.RemoveField(model_name="feedbackitem", name="search"),
        migrations.AddField(
            model_name="feedbackitem",
            name="search",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.SearchVector(
                    productops.folding.Fold("title"),
                    productops.folding.Fold("body"),
                    config="english",
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="feedbackitem",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search"], name="feedback_search"
            ),
        ),
    ]
