"""A feedback item's star rating (1-5, as app store reviews give it); null when not given."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0005_status_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedbackitem",
            name="rating",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="feedbackitem",
            constraint=models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_one_to_five",
            ),
        ),
    ]
