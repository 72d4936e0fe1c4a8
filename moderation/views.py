from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django_htmx.http import HttpResponseClientRedirect
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from moderation.forms import ReportForm
from moderation.models import Report, reportable_model


def _get_reportable(request, kind, pk):
    """A public item the user may see and does not own; 404 otherwise."""
    model = reportable_model(kind)
    if model is None:
        raise Http404
    item = get_object_or_404(model, pk=pk, is_public=True)
    if not item.can_be_seen_by(request.user) or item.owner_id == request.user.pk:
        raise Http404
    return item


@login_required
@require_http_methods(["GET", "POST"])
def report(request, kind, pk):
    item = _get_reportable(request, kind, pk)
    form = ReportForm(request.POST or None)
    template = "moderation/report.html#report-form" if request.htmx else "moderation/report.html"
    if request.method == "POST" and form.is_valid():
        Report.file(request.user, item, form.cleaned_data["reason"], form.cleaned_data["note"])
        if not request.htmx:
            messages.success(request, "Thank you. A moderator will look at it.")
            return redirect(item)
        return render(request, template, {"item": item, "kind": kind, "done": True})
    return render(request, template, {"item": item, "kind": kind, "form": form})


# --- What an owner does with their own avatar or swap (their views call these) ------------------


def share(request, item, *, noun: str, shared: str):
    """The owner's share / stop sharing button; only a finished item can be shared."""
    if not item.set_public(request.POST.get("public") == "1"):
        messages.error(request, f"Only a finished {noun} can be shared.")
    else:
        messages.success(request, shared if item.is_public else "Now private: only you can see it.")
    return redirect(item)


def delete_after_confirming(request, item, *, noun: str, template: str, context: dict, list_url: str):
    """GET: the confirmation page; POST: the item deleted (its files go with it), back to the list."""
    if request.method != "POST":
        return render(request, template, context)
    item.delete()
    messages.success(request, f"The {noun} was deleted.")
    return HttpResponseClientRedirect(reverse(list_url)) if request.htmx else redirect(list_url)
