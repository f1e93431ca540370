import django_filters

from productops.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    """The audit log's filters, shared by the page and the API."""

    verb = django_filters.CharFilter(lookup_expr="startswith", label="Verb starts with")
    object_type = django_filters.CharFilter(label="Object type")
    actor = django_filters.CharFilter(
        field_name="actor_label", lookup_expr="icontains", label="Actor"
    )
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["verb", "object_type", "actor", "since", "until"]
