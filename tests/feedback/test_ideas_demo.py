"""The demo ideas: alive with demand, across statuses, and safe to seed twice."""

from feedback.demo_ideas import IDEAS, seed_ideas
from feedback.models import Idea, IdeaLink, LoopClosure, LoopNotice
from feedback.selectors import ideas as selectors
from tests.feedback import ideas_data as data


def test_seeding_links_matching_feedback_and_is_idempotent(pm, workspace_a):
    acme = data.account(workspace_a, "Acme", 50000)
    person = data.contact(workspace_a, "ana@acme.test", "Ana", acme)
    data.item(workspace_a, "We need SSO with Okta before renewal", contact=person)
    data.item(workspace_a, "Please add a dark theme, my eyes hurt", contact=person)
    data.item(workspace_a, "Export to Excel would save hours", account=acme)

    seed_ideas(workspace_a)
    counts = (Idea.objects.count(), IdeaLink.objects.count(), LoopNotice.objects.count())
    seed_ideas(workspace_a)

    assert counts == (Idea.objects.count(), IdeaLink.objects.count(), LoopNotice.objects.count())
    assert Idea.objects.filter(workspace=workspace_a).count() == len(IDEAS)
    sso = selectors.idea(
        workspace=workspace_a, idea_id=Idea.objects.get(title__startswith="Single sign-on").pk
    )
    assert (sso.mentions, sso.unique_accounts) == (1, 1)
    dark = Idea.objects.get(title="Dark mode")
    assert dark.status.category == "shipped"
    assert LoopClosure.objects.get(idea=dark).finished_at is not None
    assert LoopNotice.objects.filter(idea=dark).count() == 1
    assert Idea.objects.filter(is_public=True).count() >= 2
    assert {i.status.category for i in Idea.objects.select_related("status")} >= {
        "open",
        "planned",
        "in_progress",
        "shipped",
        "declined",
    }
