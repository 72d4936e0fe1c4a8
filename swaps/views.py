from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh
from django_ratelimit.core import is_ratelimited

from moderation.views import delete_after_confirming, share
from facekit.core import jobs, media
from facekit.core.jobs import JobStatus
from swaps import files
from swaps.forms import FacePickForm, UploadForm, avatar_options
from swaps.models import SwapJob, Target
from swaps.upload_limit import limited_upload
from swaps.uploads import UploadRefused, store_target

PAGE_SIZE = 24
TOO_FAST = "You are starting swaps very fast. Wait a minute, then try again."


def _get_swap_for_user(request, pk) -> SwapJob:
    """The swap if the request's user owns it; a 404 otherwise (never a 403)."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(SwapJob.objects.select_related("target"), pk=pk, owner=request.user)


def _get_visible_swap(request, pk) -> SwapJob:
    """The swap if the user owns it or it is public (and not hidden by moderation)."""
    swap = get_object_or_404(SwapJob.objects.select_related("target"), pk=pk)
    if not swap.can_be_seen_by(request.user):
        raise Http404
    return swap


def _get_target_for_user(request, pk) -> Target:
    """An upload is its owner's alone: even a public swap never shows its original."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(Target, pk=pk, owner=request.user)


def _refusal(request) -> str | None:
    """Why new work can't start now, or None."""
    return jobs.start_refusal(
        lambda: TOO_FAST if is_ratelimited(request, group="swap", key="user", rate=settings.SAFEFACE_SWAP_RATE, increment=True) else None
    )


def _selected_avatar(request) -> int | None:
    value = request.POST.get("avatar") or request.GET.get("avatar")
    return int(value) if value and value.isdigit() else None


# --- New swap: the upload ---------------------------------------------------------------------


@login_required
@limited_upload("SAFEFACE_UPLOAD_MAX_BYTES")
@require_http_methods(["GET", "POST"])
def swap_new(request):
    if request.method == "POST":
        form = UploadForm(request.user, request.POST, request.FILES)
        if form.is_valid():
            if problem := _refusal(request):
                form.add_error(None, problem)
            else:
                try:
                    target = store_target(request.user, form.cleaned_data["checked"])
                except UploadRefused as exc:
                    form.add_error("target", str(exc))
                else:
                    url = f"{target.get_absolute_url()}?avatar={form.cleaned_data['avatar'].pk}"
                    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = UploadForm(request.user, initial={"avatar": _selected_avatar(request)})
    context = {"form": form, "avatars": avatar_options(request.user, _selected_avatar(request))}
    template = "swaps/new.html#upload-form" if request.htmx else "swaps/new.html"
    return render(request, template, context)


# --- The face picker --------------------------------------------------------------------------


def _picker_context(request, target, form=None) -> dict:
    selected = _selected_avatar(request)
    initial = {"avatar": selected, "which": "all", "strong": request.GET.get("strength") == "strong"}
    form = form or FacePickForm(request.user, target, initial=initial)
    return {"target": target, "form": form, "avatars": avatar_options(request.user, selected)}


@login_required
@require_http_methods(["GET", "POST"])
def target_detail(request, pk):
    target = _get_target_for_user(request, pk)
    form = None
    if request.method == "POST":
        form = FacePickForm(request.user, target, request.POST)
        if target.status != JobStatus.DONE or not target.file:
            form.add_error(None, "This upload is not ready to swap (or was already deleted). Upload it again.")
        elif form.is_valid():
            if problem := _refusal(request):
                form.add_error(None, problem)
            else:
                swap = _create_swap(request, target, form.cleaned_data)
                return HttpResponseClientRedirect(swap.get_absolute_url()) if request.htmx else redirect(swap)
    context = _picker_context(request, target, form)
    template = "swaps/target.html#target-panel" if request.htmx else "swaps/target.html"
    return render(request, template, context)


def _create_swap(request, target, data) -> SwapJob:
    with transaction.atomic():
        swap = SwapJob.objects.create(
            owner=request.user,
            target=target,
            kind=target.kind,
            avatar_id=data["mapping"][0]["avatar"],
            selection=data["selection"],
            mapping=data["mapping"],
            reference_frame=target.frame,
            strong=data["strong"],
        )
        swap.avatars.set({entry["avatar"] for entry in data["mapping"]})
        swap.enqueue()
    return swap


@login_required
@require_POST
def target_frame(request, pk):
    """Pick faces on another frame of a video: the analysis runs again on that frame."""
    target = _get_target_for_user(request, pk)
    try:
        seconds = max(0.0, float(request.POST.get("seconds", "0")))
    except ValueError:
        seconds = 0.0
    if not target.is_video or not target.file:
        messages.error(request, "Only a video that is still stored has other frames to pick from.")
    elif problem := _refusal(request):
        messages.error(request, problem)
    elif not target.reanalyse_at(seconds):
        messages.error(request, "The video is still being looked at. Wait a moment, then try again.")
    url = target.get_absolute_url() + (f"?avatar={_selected_avatar(request)}" if _selected_avatar(request) else "")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
def target_preview(request, pk):
    target = _get_target_for_user(request, pk)
    return media.file_response(request, target.preview, content_type="image/jpeg", filename=f"safeface-upload-{target.pk}.jpg")


@require_GET
def target_original(request, pk):
    target = _get_target_for_user(request, pk)
    extension = target.file.name.rsplit(".", 1)[-1] if target.file else ""
    return media.file_response(
        request, target.file, content_type=files.CONTENT_TYPES.get(extension, "application/octet-stream"),
        filename=f"safeface-upload-{target.pk}.{extension}",
    )


# --- One swap ---------------------------------------------------------------------------------


def swap_detail(request, pk):
    swap = _get_visible_swap(request, pk)
    is_owner = request.user.is_authenticated and swap.owner_id == request.user.pk
    return render(request, "swaps/detail.html", {"swap": swap, "is_owner": is_owner})


@require_GET
def swap_status(request, pk):
    """The live progress panel; once the swap ends, the page reloads to show the result."""
    swap = _get_swap_for_user(request, pk)
    if swap.is_finished and request.GET.get("was") in ("queued", "running"):
        return HttpResponseClientRefresh()
    return render(request, "swaps/detail.html#swap-status", {"swap": swap, "is_owner": True})


@require_GET
def swap_card(request, pk):
    swap = _get_swap_for_user(request, pk)
    return render(request, "swaps/list.html#swap-card", {"swap": swap})


@login_required
@require_POST
def swap_cancel(request, pk):
    swap = _get_swap_for_user(request, pk)
    if swap.cancel():
        messages.success(request, "The swap was cancelled.")
    else:
        messages.error(request, "This swap has already finished.")
    return HttpResponseClientRedirect(swap.get_absolute_url()) if request.htmx else redirect(swap)


@login_required
@require_POST
def swap_visibility(request, pk):
    return share(request, _get_swap_for_user(request, pk), noun="swap",
                 shared="Public: anyone with the link can see the result (never your original).")


@login_required
@require_http_methods(["GET", "POST"])
def swap_delete(request, pk):
    swap = _get_swap_for_user(request, pk)
    return delete_after_confirming(request, swap, noun="swap", template="swaps/delete.html", context={"swap": swap},
                                   list_url="swap-list")


@require_GET
def swap_result(request, pk, extension):
    swap = _get_visible_swap(request, pk)
    if not swap.result or not swap.result.name.endswith(f".{extension}"):
        raise Http404
    return media.file_response(
        request, swap.result, content_type=files.CONTENT_TYPES[extension],
        filename=f"safeface-swap-{swap.pk}.{extension}", download="download" in request.GET,
    )


@require_GET
def swap_thumbnail(request, pk):
    swap = _get_visible_swap(request, pk)
    return media.file_response(request, swap.thumbnail, content_type="image/webp", filename=f"safeface-swap-{swap.pk}.webp")


# --- My swaps ---------------------------------------------------------------------------------


@login_required
def swap_list(request):
    swaps = SwapJob.objects.owned_by(request.user).select_related("target")
    page = Paginator(swaps, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "swaps/list.html#swap-page" if request.htmx else "swaps/list.html"
    return render(request, template, {"page": page})
