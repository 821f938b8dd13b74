"""Saved directory searches: an employer saves a search, deletes it, or stops its e-mail."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from credentials import saved_searches, services
from credentials.directory.forms import DirectorySearchForm
from credentials.exceptions import SavedSearchNotAllowed
from credentials.forms import SavedSearchForm
from credentials.models import SavedSearch
from credentials.permissions import can_save_searches, get_saved_search_for
from portfolio.permissions import AnyUser
from portfolio.refusals import show_as_message, show_on_form


def save_search_offer(user: AnyUser, form: DirectorySearchForm) -> SavedSearchForm | None:
    """The directory page's "Save this search" form, for an employer and a valid search."""
    if not can_save_searches(user) or not form.is_valid():
        return None
    filters = form.filters()
    return SavedSearchForm(
        initial={
            "query": saved_searches.normalise_query(filters),
            "name": saved_searches.suggest_name(filters),
        }
    )


@require_http_methods(["GET", "POST"])
def saved_search_new(request: HttpRequest) -> HttpResponse:
    # Not login_required: for anyone but an employer the page does not exist.
    if not can_save_searches(request.user):
        raise Http404("No such page.")
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
    else:
        # Opened with the directory's own query string: offer to save that search.
        offer = save_search_offer(request.user, saved_searches.directory_search_form(request.GET))
        form = offer or SavedSearchForm(initial={"query": request.GET.urlencode()})
    if request.method == "POST" and form.is_valid():
        try:
            saved_search = services.save_search(
                by=request.user,  # type: ignore[arg-type]  # an employer: checked above
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
            )
        except SavedSearchNotAllowed as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "Search saved as “%(name)s”. Once a day you get an e-mail if someone new matches."
                )
                % {"name": saved_search.name},
            )
            return redirect(saved_searches.search_url(saved_search))
    query = form["query"].value() or ""
    context = {"form": form, "search_url": saved_searches.directory_url(str(query))}
    return render(request, "credentials/saved_search_form.html", context)


@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved_search = get_saved_search_for(request.user, pk)
    try:
        services.delete_saved_search(
            saved_search_id=saved_search.pk,
            by=request.user,  # type: ignore[arg-type]  # its owner: get_saved_search_for checked
        )
    except SavedSearchNotAllowed as error:
        show_as_message(request, error)
    else:
        messages.success(
            request, _("Deleted the saved search “%(name)s”.") % {"name": saved_search.name}
        )
    return redirect("dashboard")


# The e-mailed link works without signing in, and mail programs that offer RFC 8058's
# one-click unsubscribe POST to it with no session or CSRF cookie: its signed token is what
# authorises the change, so a forged cross-site POST would need the token itself. A GET only
# asks for confirmation, so a scanner that follows links unsubscribes nobody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def saved_search_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = saved_searches.read_unsubscribe_token(token)
    except saved_searches.UnsubscribeLinkError as error:
        state = "expired" if error.expired else "invalid"
        return _unsubscribe_page(request, state, status=HTTPStatus.BAD_REQUEST)
    saved_search = (
        SavedSearch.objects.select_related("owner")
        .filter(pk=link.saved_search_id, owner_id=link.owner_id)
        .first()
    )
    if saved_search is None or not can_save_searches(saved_search.owner):
        return _unsubscribe_page(request, "gone", status=HTTPStatus.NOT_FOUND)
    if request.method == "POST":
        try:
            saved_search = services.unsubscribe_saved_search(
                saved_search_id=saved_search.pk, by=saved_search.owner
            )
        except SavedSearchNotAllowed:
            return _unsubscribe_page(request, "gone", status=HTTPStatus.NOT_FOUND)
        return _unsubscribe_page(request, "done", saved_search=saved_search)
    state = "already" if saved_search.unsubscribed_at is not None else "confirm"
    return _unsubscribe_page(request, state, saved_search=saved_search)


def _unsubscribe_page(
    request: HttpRequest,
    state: str,
    *,
    saved_search: SavedSearch | None = None,
    status: HTTPStatus = HTTPStatus.OK,
) -> HttpResponse:
    context = {"state": state, "saved_search": saved_search}
    return render(request, "credentials/saved_search_unsubscribe.html", context, status=status)
