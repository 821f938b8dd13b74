from django.contrib.auth.models import AnonymousUser

from credentials.selectors.credential_pages import get_credential_page
from tests.credentials.conftest import issue
from tests.factories import UserFactory


def holder_of(credential):
    page = get_credential_page(public_id=credential.public_id, viewer=AnonymousUser())
    return page.holder_name, page.holder_profile_slug


def test_a_holder_without_a_profile_is_named_by_their_account(micro_credential):
    holder = UserFactory(with_profile=False, first_name="Ada", last_name="Byron")
    assert holder_of(issue(holder, micro_credential)) == ("Ada Byron", "")


def test_a_holder_without_a_profile_or_a_name_is_said_to_have_none(micro_credential):
    holder = UserFactory(with_profile=False)
    assert holder_of(issue(holder, micro_credential)) == ("Name not given", "")


def test_a_public_profile_is_linked_and_a_private_one_is_not(micro_credential, learner):
    learner.profile.display_name = "Amara Okafor"
    learner.profile.save()
    credential = issue(learner, micro_credential)
    assert holder_of(credential) == ("Amara Okafor", "")
    learner.profile.is_public = True
    learner.profile.save()
    assert holder_of(credential) == ("Amara Okafor", learner.profile.slug)
