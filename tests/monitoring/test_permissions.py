"""Who sees which monitoring records: only a provider's own users (and commissioners) see its outcomes;
only its own users answer its actions; nobody sees drafts or unpublished visits on the public site."""

import pytest
from django.urls import reverse

from marketplace.monitoring import services
from marketplace.monitoring.models import Action
from tests.factories import (
    DirectPaymentHolderFactory,
    ProviderFactory,
    ProviderMembershipFactory,
    UserFactory,
    days_ago,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(provider, commissioner_user, make_visit):
    """A provider with a published visit (one action), a finalised-but-unpublished one and a draft."""
    published = make_visit(provider=provider, stage="published", values=("poor",), visited_on=days_ago(20))
    published.summary_for_provider = "Medicines records were incomplete."
    published.evidence_notes = "Council only: MAR chart for room 4 missing."
    published.save()
    action = services.action_create(
        visit=published, by=commissioner_user, description="Audit every MAR chart weekly", due_on=days_ago(-30)
    )
    finalised = make_visit(provider=provider, stage="finalised", visited_on=days_ago(10))
    hidden = services.action_create(
        visit=finalised, by=commissioner_user, description="Secret unpublished action", due_on=days_ago(-30)
    )
    make_visit(provider=provider, stage="draft", visited_on=days_ago(2), values=("excellent",) * 6)
    return {"provider": provider, "action": action, "hidden": hidden}


def outcomes_url(provider):
    return reverse("monitoring:provider_outcomes", args=[provider.uuid])


def answer_url(provider, action):
    return reverse("monitoring:action_response", args=[provider.uuid, action.uuid])


def someone_from_another_provider():
    return ProviderMembershipFactory(provider=ProviderFactory()).user


def direct_payment_holder():
    return DirectPaymentHolderFactory().user


def editor():
    from django.contrib.auth.models import Group

    from marketplace.accounts.roles import EDITORS

    user = UserFactory(multi_factor=True)
    user.groups.add(Group.objects.get_or_create(name=EDITORS)[0])
    return user


OUTSIDERS = {
    "a direct payment holder": direct_payment_holder,
    "a user of another provider": someone_from_another_provider,
    "an editor": editor,
    "a signed-in person with no role": UserFactory,
}


def test_the_public_cannot_see_a_providers_monitoring(client, outcomes):
    provider, action = outcomes["provider"], outcomes["action"]
    assert client.get(outcomes_url(provider)).status_code == 404
    assert client.get(answer_url(provider, action)).status_code == 404
    assert client.post(answer_url(provider, action), {"status": "done", "response": "x"}).status_code == 404


@pytest.mark.parametrize("who", list(OUTSIDERS))
def test_people_outside_the_provider_get_404(client, outcomes, who):
    provider, action = outcomes["provider"], outcomes["action"]
    client.force_login(OUTSIDERS[who]())

    assert client.get(outcomes_url(provider)).status_code == 404
    assert client.get(answer_url(provider, action)).status_code == 404
    response = client.post(answer_url(provider, action), {"status": "done", "response": "Nothing to see"})
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.provider_response == ""


def test_an_unknown_provider_is_404_like_a_forbidden_one(client, provider_user):
    client.force_login(provider_user)
    assert client.get(outcomes_url(ProviderFactory())).status_code == 404
    assert client.get("/monitoring/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_provider_sees_its_published_outcomes_and_nothing_unpublished(client, outcomes, provider_user):
    client.force_login(provider_user)
    response = client.get(outcomes_url(outcomes["provider"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Audit every MAR chart weekly" in page
    assert "Medicines records were incomplete." in page
    assert page.count("Overall rating") == 1, "only the published visit"
    assert 'govuk-tag--red">Poor</strong>' in page
    assert "Secret unpublished action" not in page
    assert "Council only" not in page, "evidence notes are never shown to the provider"
    assert answer_url(outcomes["provider"], outcomes["action"]) in page


def test_the_provider_answers_its_own_action(client, outcomes, provider_user):
    provider, action = outcomes["provider"], outcomes["action"]
    client.force_login(provider_user)
    assert client.get(answer_url(provider, action)).status_code == 200

    response = client.post(
        answer_url(provider, action), {"status": "in_progress", "response": "Weekly audit starts Monday."}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(outcomes_url(provider))
    action.refresh_from_db()
    assert (action.status, action.provider_response, action.responded_by) == (
        Action.Status.IN_PROGRESS,
        "Weekly audit starts Monday.",
        provider_user,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Your answer has been sent to the council." in page
    assert "Weekly audit starts Monday." in page


def test_the_provider_cannot_answer_an_action_of_an_unpublished_visit(client, outcomes, provider_user):
    provider, hidden = outcomes["provider"], outcomes["hidden"]
    client.force_login(provider_user)
    assert client.get(answer_url(provider, hidden)).status_code == 404
    assert client.post(answer_url(provider, hidden), {"status": "done", "response": "Done"}).status_code == 404
    hidden.refresh_from_db()
    assert hidden.provider_response == ""


def test_an_action_cannot_be_reached_through_another_providers_address(client, outcomes):
    other = ProviderMembershipFactory(provider=ProviderFactory())
    client.force_login(other.user)
    assert client.get(answer_url(other.provider, outcomes["action"])).status_code == 404


def test_a_commissioner_may_read_the_outcomes_but_answers_nothing(client, outcomes, commissioner_user):
    provider, action = outcomes["provider"], outcomes["action"]
    client.force_login(commissioner_user)
    page = client.get(outcomes_url(provider)).content.decode()
    assert "Audit every MAR chart weekly" in page
    assert answer_url(provider, action) not in page
    assert client.post(answer_url(provider, action), {"status": "done", "response": "x"}).status_code == 404


def test_bad_answers_keep_what_was_typed_and_say_what_is_wrong(client, outcomes, provider_user):
    provider, action = outcomes["provider"], outcomes["action"]
    client.force_login(provider_user)
    response = client.post(answer_url(provider, action), {"status": "closed", "response": "Half done"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Choose in progress or done." in page
    assert "Half done</textarea>" in page
    assert "<title>Error:" in page
    action.refresh_from_db()
    assert action.status == Action.Status.OPEN


def test_a_closed_action_shows_no_form(client, outcomes, provider_user):
    provider, action = outcomes["provider"], outcomes["action"]
    Action.objects.filter(pk=action.pk).update(status=Action.Status.CLOSED)
    client.force_login(provider_user)
    page = client.get(answer_url(provider, action)).content.decode()
    assert "The council has closed this action" in page
    assert "<textarea" not in page
    client.post(answer_url(provider, action), {"status": "done", "response": "Late answer"})
    action.refresh_from_db()
    assert action.provider_response == ""


@pytest.mark.parametrize("who", [*OUTSIDERS, "the provider's own user"])
def test_only_commissioners_reach_the_monitoring_admin(client, outcomes, provider_user, who):
    user = provider_user if who == "the provider's own user" else OUTSIDERS[who]()
    client.force_login(user)
    for url in (
        reverse("monitoring_visits:index"),
        reverse("monitoring_visits:add"),
        reverse("monitoring_schedule:index"),
        reverse("monitoring_feedback:index"),
        reverse("monitoring_arrangements:index"),
        reverse("monitoring_memberships:index"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "Audit every MAR chart" not in response.content.decode()


def test_rules_give_each_role_what_it_needs(outcomes, provider_user, commissioner_user):
    provider = outcomes["provider"]
    outsider = someone_from_another_provider()
    assert commissioner_user.has_perm("monitoring.manage")
    assert not provider_user.has_perm("monitoring.manage")
    assert provider_user.has_perm("monitoring.view_outcomes", provider)
    assert provider_user.has_perm("monitoring.respond_to_actions", provider)
    assert commissioner_user.has_perm("monitoring.view_outcomes", provider)
    assert not commissioner_user.has_perm("monitoring.respond_to_actions", provider)
    assert not outsider.has_perm("monitoring.view_outcomes", provider)
    assert not outsider.has_perm("monitoring.respond_to_actions", provider)


def test_the_provider_dashboard_links_to_the_monitoring_visits(client, provider, provider_user):
    client.force_login(provider_user)
    page = client.get(reverse("providers:dashboard")).content.decode()
    assert outcomes_url(provider) in page


def test_the_provider_dashboard_shows_an_overdue_action_and_links_to_its_answer(client, outcomes, provider_user):
    provider = outcomes["provider"]
    Action.objects.filter(pk=outcomes["action"].pk).update(due_on=days_ago(3))
    Action.objects.filter(pk=outcomes["hidden"].pk).update(due_on=days_ago(3))  # its visit is not published
    Action.objects.create(
        visit=outcomes["action"].visit,
        description="Council to re-audit",
        due_on=days_ago(3),
        owner=Action.Owner.COUNCIL,
    )
    client.force_login(provider_user)

    page = client.get(reverse("providers:dashboard")).content.decode()

    assert "1 monitoring action is overdue" in page
    assert answer_url(provider, outcomes["action"]) in page
    assert "Secret unpublished action" not in page
    assert "Council to re-audit" not in page


def test_an_action_due_today_or_done_is_not_overdue_on_the_dashboard(client, outcomes, provider_user):
    client.force_login(provider_user)
    Action.objects.filter(pk=outcomes["action"].pk).update(due_on=days_ago(0))
    assert "overdue" not in client.get(reverse("providers:dashboard")).content.decode()
    Action.objects.filter(pk=outcomes["action"].pk).update(due_on=days_ago(3), status=Action.Status.DONE)
    assert "overdue" not in client.get(reverse("providers:dashboard")).content.decode()
