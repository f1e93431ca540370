"""Gives every existing workspace without idea statuses the six defaults, audited as "system".

New workspaces get them when they are made (feedback.services.ideas.idea_statuses_create_
defaults); before this, pages created them on first view. The list is copied here so that this
migration keeps doing what it did whatever the code later says.
"""

from django.db import migrations

DEFAULT_STATUSES = [
    ("New", "open"),
    ("Under review", "open"),
    ("Planned", "planned"),
    ("In progress", "in_progress"),
    ("Shipped", "shipped"),
    ("Declined", "declined"),
]


def create_defaults(apps, schema_editor):
    Workspace = apps.get_model("productops", "Workspace")
    IdeaStatus = apps.get_model("feedback", "IdeaStatus")
    AuditEvent = apps.get_model("productops", "AuditEvent")
    have = IdeaStatus.objects.values("workspace_id")
    for workspace in Workspace.objects.exclude(pk__in=have).order_by("pk"):
        for index, (name, category) in enumerate(DEFAULT_STATUSES):
            status = IdeaStatus.objects.create(
                workspace=workspace, name=name, category=category, position=index * 10
            )
            AuditEvent.objects.create(
                workspace=workspace,
                actor_label="system",
                verb="idea_status.created",
                object_type="feedback.ideastatus",
                object_id=str(status.pk),
                object_repr=name,
                after={"name": name, "category": category, "position": index * 10},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_similarity"),
        ("productops", "0003_import_jobs"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
