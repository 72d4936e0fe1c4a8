
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from avatars.forms import ComposerForm, SelectionForm
from avatars.models import Avatar, random_seed
from moderation.views import delete_after_confirming, share
from safeface import inference
from facekit.core import jobs, media
from facekit.engines.vocabulary import ATTRIBUTES, SpecError, build_prompt, validate_spec

PAGE_SIZE = 24
FILTERABLE = ("age", "gender", "skin_tone", "hair_colour", "expression", "glasses")
RECENT_IN_STUDIO = 8


def _get_avatar_for_user(request, pk) -> Avatar:
    """The avatar if the request's user owns it; a 404 otherwise, never a 403, so
    other people's avatars are indistinguishable from ones that don't exist."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(Avatar, pk=pk, owner=request.user)


def _get_visible_avatar(request, pk) -> Avatar:
    """The avatar if the user owns it or it is in the public gallery."""
    avatar = get_object_or_404(Avatar, pk=pk)
    if not avatar.can_be_seen_by(request.user):
        raise Http404
    return avatar


# --- Studio ----------------------------------------------------------------------


def _limit_message(request, count: int) -> str | None:
    """Why this user can't generate `count` more avatars now, or None."""
    if is_ratelimited(request, group="generate", key="user", rate=settings.SAFEFACE_GENERATE_RATE, increment=True):
        return "You are generating very fast. Wait a minute, then press Generate again."
    return Avatar.objects.over_daily_quota(request.user, count)


def _initial_from(request) -> dict:
    """Prefill the composer: from an avatar ("change one attribute": same spec and
    seed), else as the person last left it."""
    pk = request.GET.get("from")
    if pk and pk.isdigit():
        avatar = _get_visible_avatar(request, pk)
        return {**avatar.spec, "seed": avatar.used_seed or avatar.seed, "lock_seed": True, "count": 1}
    return request.session.get("composer", {})


def _spec_of(form) -> dict | None:
    if form.is_bound:
        return form.cleaned_data.get("spec") if form.is_valid() else None
    try:
        return validate_spec({key: form.initial.get(key) for key in ATTRIBUTES})
    except SpecError:
        return None


def _summary_context(form) -> dict:
    """The live summary: what was chosen, and whether the active engine follows it."""
    spec = _spec_of(form) or validate_spec({})
    honoured = inference.honoured_values()
    chosen = []
    for key, attribute in ATTRIBUTES.items():
        if spec[key] == attribute.default:
            continue
        followed = honoured.get(key, frozenset())
        chosen.append({
            "label": attribute.label,
            "value": attribute.value(spec[key]).label,
            "honoured": key in honoured and (followed is None or spec[key] in followed),
        })
    kind = inference.active_generator_kind()
    return {
        "chosen": chosen,
        "engine_kind": kind,
        "honoured_labels": [ATTRIBUTES[key].label for key in ATTRIBUTES if key in honoured],
        "prompt": build_prompt(spec, 0)[0] if kind == "diffusers" else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def studio(request):
    if request.method == "POST":
        form = ComposerForm(request.POST)
        if form.is_valid():
            if "randomise" in request.POST:
                data = request.POST.copy()
                data["seed"] = str(random_seed())
                form = ComposerForm(data)
            elif problem := jobs.start_refusal(lambda: _limit_message(request, form.cleaned_data["count"])):
                messages.error(request, problem)
            else:
                _create_avatars(request, form)
                return redirect("studio")
    else:
        form = ComposerForm(initial=_initial_from(request))
    recent = Avatar.objects.owned_by(request.user)[:RECENT_IN_STUDIO]
    return render(request, "avatars/studio.html", {"form": form, "recent": recent, **_summary_context(form)})


def _create_avatars(request, form) -> list[Avatar]:
    data = form.cleaned_data
    first_seed = data["seed"]
    avatars = Avatar.objects.start_batch(request.user, data["spec"], data["count"], form.size, first_seed=first_seed)
    messages.success(request, f"Generating {len(avatars)} avatar{'s' if len(avatars) > 1 else ''}…")
    # The composer stays as the person left it; the seed only when they locked it.
    request.session["composer"] = {
        **data["spec"],
        "count": data["count"],
        "lock_seed": data["lock_seed"],
        "seed": first_seed if data["lock_seed"] else None,
    }
    return avatars


@login_required
@require_POST
def studio_summary(request):
    form = ComposerForm(request.POST)
    form.is_valid()
    return render(request, "avatars/studio.html#spec-summary", {"form": form, **_summary_context(form)})


# --- One avatar ---------------------------------------------------------------------


@require_GET
def avatar_card(request, pk):
    avatar = _get_avatar_for_user(request, pk)
    return render(request, "avatars/avatar_list.html#avatar-card", {"avatar": avatar})


def avatar_detail(request, pk):
    avatar = _get_visible_avatar(request, pk)
    owner = request.user.is_authenticated and avatar.owner_id == request.user.pk
    return render(request, "avatars/avatar_detail.html", {"avatar": avatar, "is_owner": owner})


@require_GET
def avatar_image(request, pk):
    avatar = _get_visible_avatar(request, pk)
    download = "download" in request.GET
    return media.file_response(request, avatar.image, content_type="image/png", filename=f"safeface-avatar-{avatar.pk}.png", download=download)


@require_GET
def avatar_thumbnail(request, pk):
    avatar = _get_visible_avatar(request, pk)
    return media.file_response(request, avatar.thumbnail, content_type="image/webp", filename=f"safeface-avatar-{avatar.pk}.webp")


@login_required
@require_POST
def avatar_visibility(request, pk):
    return share(request, _get_avatar_for_user(request, pk), noun="avatar", shared="Shared in the public gallery.")


@login_required
@require_http_methods(["GET", "POST"])
def avatar_delete(request, pk):
    avatar = _get_avatar_for_user(request, pk)
    return delete_after_confirming(request, avatar, noun="avatar", template="avatars/avatar_delete.html",
                                   context={"avatars": [avatar], "single": avatar}, list_url="avatar-list")


@login_required
@require_POST
def avatar_more(request, pk):
    """More like this: the same spec with new seeds."""
    avatar = _get_visible_avatar(request, pk)
    count = 4
    if problem := jobs.start_refusal(lambda: _limit_message(request, count)):
        messages.error(request, problem)
        return redirect(avatar)
    avatar.more_like_this(request.user, count)
    messages.success(request, "Generating 4 more like this…")
    return redirect("studio")


@login_required
@require_POST
def avatar_retry(request, pk):
    avatar = _get_avatar_for_user(request, pk)
    if problem := jobs.start_refusal():
        messages.error(request, problem)
    elif not avatar.retry():
        messages.error(request, "Only a failed avatar can be retried.")
    if request.htmx:
        return render(request, "avatars/avatar_list.html#avatar-card", {"avatar": avatar})
    return redirect("studio")


# --- Galleries ---------------------------------------------------------------------


def _filters(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key in ATTRIBUTES and value in ATTRIBUTES[key].by_key}


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def avatar_list(request):
    avatars = Avatar.objects.owned_by(request.user)
    filters = _filters(request)
    for key, value in filters.items():
        avatars = avatars.with_attribute(key, value)
    page = _page(request, avatars)
    template = "avatars/avatar_list.html#avatar-page" if request.htmx else "avatars/avatar_list.html"
    query = request.GET.copy()
    query.pop("page", None)
    controls = [
        {
            "key": key,
            "label": attribute.label,
            "options": [(v.key, v.label, filters.get(key) == v.key) for v in attribute.concrete_values],
        }
        for key, attribute in ATTRIBUTES.items()
        if key in FILTERABLE
    ]
    return render(
        request,
        template,
        {"page": page, "filters": filters, "filter_controls": controls, "query": query.urlencode()},
    )


@login_required
@require_POST
def avatar_delete_many(request):
    form = SelectionForm(Avatar.objects.owned_by(request.user), request.POST)
    if not form.is_valid():
        messages.error(request, "Select at least one of your avatars first.")
        return redirect("avatar-list")
    chosen = list(form.selected())
    if request.POST.get("confirm") == "yes":
        for avatar in chosen:
            avatar.delete()
        messages.success(request, f"Deleted {len(chosen)} avatar{'s' if len(chosen) != 1 else ''}.")
        return redirect("avatar-list")
    return render(request, "avatars/avatar_delete.html", {"avatars": chosen})


def gallery(request):
    page = _page(request, Avatar.objects.public())
    template = "avatars/gallery.html#gallery-page" if request.htmx else "avatars/gallery.html"
    return render(request, template, {"page": page})
