"""The notification inbox and the e-mail settings: for every signed-in user, whatever the role.

Notifications are written by the services that cause them (portfolio.services.notifications);
here a user only reads them, marks them read and chooses which ones also come by e-mail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from portfolio.forms.notifications import EmailSettingsForm, MarkReadForm
from portfolio.http import AuthenticatedHttpRequest
from portfolio.selectors import list_email_kinds, list_enabled_email_kinds, list_notifications
from portfolio.services.notifications import mark_read, set_email_preferences

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(list_notifications(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page_obj": page, "mark_form": MarkReadForm(initial={"page": page.number})}
    return render(request, "portfolio/notification_list.html", context)


@login_required
@require_POST
def mark_notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was marked as read: that is not a notification."))
        return redirect("portfolio:notification-list")
    notification_id = form.cleaned_data["notification"]
    # Another user's id simply matches nothing, so the reply never says whether it exists.
    marked = mark_read(
        by=request.user,
        notification_ids=None if notification_id is None else [notification_id],
    )
    if marked:
        messages.success(
            request,
            ngettext(
                "Marked %(count)d notification as read.",
                "Marked %(count)d notifications as read.",
                marked,
            )
            % {"count": marked},
        )
    else:
        messages.info(request, _("There was nothing unread to mark."))
    url = reverse("portfolio:notification-list")
    page = form.cleaned_data["page"]
    return redirect(f"{url}?page={page}" if page is not None and page > 1 else url)


@login_required
@require_http_methods(["GET", "POST"])
def email_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    kinds = list_email_kinds(user=request.user)
    enabled = list_enabled_email_kinds(user=request.user)
    if request.method == "POST":
        form = EmailSettingsForm(request.POST, kinds=kinds, enabled_kinds=enabled)
        if form.is_valid():
            set_email_preferences(by=request.user, enabled_kinds=form.enabled_kinds())
            messages.success(
                request,
                _(
                    "Your e-mail settings are saved. Every notification still appears in your inbox."
                ),
            )
            return redirect("portfolio:email-settings")
    else:
        form = EmailSettingsForm(kinds=kinds, enabled_kinds=enabled)
    return render(request, "portfolio/email_settings.html", {"form": form})
