"""The Live page and its session endpoints (JSON, for static/js/live.js). The web process only
writes and reads session rows: the media flow between the browser and a live worker."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from avatars.models import Avatar
from swaps.forms import avatar_options

from .ice import ice_servers
from .models import LiveSession, Status

MAX_OFFER = 20_000  # characters: an SDP offer of one video track is about 4,000
TOO_FAST = "You are starting live sessions very fast. Wait a minute, then try again."
ONE_AT_A_TIME = "You already have a live session. Stop it first (one at a time)."


def _get_session_for_user(request, pk) -> LiveSession:
    """The session if the request's user owns it; a 404 otherwise."""
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(LiveSession, pk=pk, owner=request.user)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def session_json(session: LiveSession) -> dict:
    return {
        "id": session.pk, "status": session.status, "status_label": session.get_status_display(),
        "answer": session.answer or None, "state": session.state or None, "error": session.error or None,
        "stats": session.stats, "max_seconds": settings.SAFEFACE_LIVE_MAX_SECONDS,
        "url": session.get_absolute_url(), "record": session.record,
        # Each recording, saved as a swap (labelled by a job worker: its page shows the progress).
        "recordings": [{"id": swap.pk, "url": swap.get_absolute_url(), "status": swap.status}
                       for swap in session.recordings.order_by("created_at")],
    }


class AvatarForm(forms.Form):
    """The avatar picker (the swaps' avatar tiles); the page's script posts the choice as JSON."""

    avatar = forms.IntegerField(label="Your avatar")


@login_required
@require_GET
def live_page(request):
    active = LiveSession.objects.filter(owner=request.user).active().first()
    avatars = avatar_options(request.user)
    return render(request, "live/live.html", {
        "avatars": avatars,
        "form": AvatarForm(initial={"avatar": avatars[0].pk} if avatars else {}),
        "ice_servers": ice_servers(),
        "active": active,
        "max_minutes": settings.SAFEFACE_LIVE_MAX_SECONDS // 60,
    })


@login_required
@require_POST
def start(request):
    """Body: {"avatar": id, "offer": SDP}. 201 with the session; the page then polls its URL
    for the answer."""
    try:
        body = json.loads(request.body)
        avatar_id, offer = int(body["avatar"]), str(body["offer"])
    except (ValueError, KeyError, TypeError):
        return _error("Send JSON with an avatar id and the WebRTC offer.", 400)
    if not offer.startswith("v=0") or len(offer) > MAX_OFFER or "m=video" not in offer:
        return _error("That is not a WebRTC offer with a video track.", 400)
    avatar = Avatar.objects.usable_as_source_by(request.user).filter(pk=avatar_id).first()
    if avatar is None:
        return _error("Pick one of your finished avatars, or one from the public gallery.", 400)
    LiveSession.objects.filter(owner=request.user).expire()  # a dead session must not block a new one
    if LiveSession.objects.filter(owner=request.user).active().exists():
        return _error(ONE_AT_A_TIME, 409)
    if is_ratelimited(request, group="live", key="user", rate=settings.SAFEFACE_LIVE_RATE, increment=True):
        return _error(TOO_FAST, 429)
    try:
        with transaction.atomic():
            session = LiveSession.objects.create(owner=request.user, avatar=avatar, offer=offer)
    except IntegrityError:  # a second tab started one at the same moment
        return _error(ONE_AT_A_TIME, 409)
    return JsonResponse(session_json(session), status=201)


@require_GET
def session(request, pk: int):
    found = _get_session_for_user(request, pk)
    if LiveSession.objects.filter(pk=found.pk).expire():  # this row only: the page polls twice a second
        found.refresh_from_db()
    return JsonResponse(session_json(found))


@require_POST
def record(request, pk: int):
    """Body: {"record": true} to start recording, false to stop; the live worker follows at its
    next heartbeat (half a second) and saves each recording as a swap."""
    found = _get_session_for_user(request, pk)
    try:
        wanted = json.loads(request.body)["record"]
    except (ValueError, KeyError, TypeError):
        wanted = None
    if not isinstance(wanted, bool):
        return _error('Send JSON: {"record": true} or {"record": false}.', 400)
    if wanted and not found.is_active:
        return _error("This live session has ended: start it again to record.", 409)
    LiveSession.objects.filter(pk=found.pk).update(record=wanted)
    found.refresh_from_db()
    return JsonResponse(session_json(found))


@require_POST
def stop(request, pk: int):
    found = _get_session_for_user(request, pk)
    LiveSession.objects.filter(pk=found.pk, status=Status.OFFERED).update(status=Status.ENDED, ended_at=timezone.now())
    LiveSession.objects.filter(pk=found.pk).update(stop_requested=True)
    found.refresh_from_db()
    return JsonResponse(session_json(found))
