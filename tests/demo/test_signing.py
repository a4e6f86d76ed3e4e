"""demo.plans.signing_as: the demo signs with the real demo password against the user's real hash."""

from __future__ import annotations

import pytest

from demo.plans import DemoSeedError, signing_as
from demo.practice import DEMO_PASSWORD
from tests.factories import UserFactory


@pytest.mark.django_db
def test_signing_as_refuses_a_changed_password_and_leaves_check_password_alone():
    user = UserFactory()  # its password is not the demo's
    with pytest.raises(DemoSeedError):
        signing_as(user)
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert signing_as(user) is user
    assert "check_password" not in vars(user)  # the model's own method, not a stand-in
    assert not user.check_password("not the demo password")
