"""A service's refusal (DomainError) as pages show it and as the API answers it."""

import pytest
from django.contrib.messages import get_messages
from django.forms import CharField, Form

from portfolio.errors import DomainError
from portfolio.refusals import show_on_form

pytestmark = pytest.mark.urls("tests.portfolio.refusal_urls")


class TitleForm(Form):
    title = CharField()


def test_a_refusal_about_a_field_is_shown_next_to_it():
    form = TitleForm({"title": "x"})
    form.is_valid()
    show_on_form(
        form, DomainError("Give it a title.", code="evidence.title_missing", field="title")
    )
    assert form.errors == {"title": ["Give it a title."]}


def test_a_refusal_about_no_field_of_the_form_is_shown_above_it():
    form = TitleForm({"title": "x"})
    form.is_valid()
    show_on_form(form, DomainError("Not yours.", code="evidence.not_owner", field="owner"))
    assert form.non_field_errors() == ["Not yours."]
    assert "title" not in form.errors


def test_an_uncaught_refusal_goes_back_to_the_form_with_its_message(db, client):
    response = client.post(
        "/refusing/invalid/", HTTP_REFERER="http://testserver/refusing/invalid/?step=2"
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/refusing/invalid/?step=2"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Give the evidence a title."]


def test_an_uncaught_refusal_never_redirects_to_another_site(db, client):
    response = client.post("/refusing/conflict/", HTTP_REFERER="https://elsewhere.example/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "This credential was already revoked."
    ]


def test_an_uncaught_refusal_of_the_actor_is_the_403_page(db, client):
    response = client.post("/refusing/forbidden/")
    assert response.status_code == 403
    assert list(get_messages(response.wsgi_request)) == []


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        (
            "invalid",
            400,
            {
                "code": "evidence.title_missing",
                "detail": "Give the evidence a title.",
                "field": "title",
            },
        ),
        (
            "forbidden",
            403,
            {"code": "evidence.not_owner", "detail": "Only the owner can change this evidence."},
        ),
        (
            "conflict",
            409,
            {
                "code": "credential.already_revoked",
                "detail": "This credential was already revoked.",
            },
        ),
    ],
)
def test_the_api_answers_a_refusal_with_its_code_and_status(db, client, kind, status, body):
    response = client.post(f"/api/refusing/{kind}/")
    assert response.status_code == status
    assert response.json() == body


def test_the_api_answers_other_errors_as_before(db, client):
    response = client.post("/api/refusing/missing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such thing."}
