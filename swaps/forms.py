"""Forms of a swap: the upload (with the avatar to swap in) and the face picker."""

from __future__ import annotations

from django import forms
from django.conf import settings

from avatars.models import Avatar
from facekit.engines.selection import select_by_area
from swaps.uploads import ACCEPTED, UploadRefused, check_upload

AVATARS_SHOWN = 24  # of each: mine and the public gallery's; any usable one validates
MAX_FACES = 20

NOT_USABLE = "Pick one of your avatars or one from the public gallery."


class AvatarField(forms.ModelChoiceField):
    """An avatar the person may use; any of them validates, a few are listed."""

    def __init__(self, user, **kwargs):
        super().__init__(queryset=Avatar.objects.usable_as_source_by(user), error_messages={"invalid_choice": NOT_USABLE, "required": NOT_USABLE}, **kwargs)

    def label_from_instance(self, avatar):
        return f"Avatar {avatar.pk}: {avatar.title}"


def avatar_options(user, selected: int | None = None) -> list:
    """Avatars to show: the person's newest, then the public gallery's newest."""
    mine = list(Avatar.objects.usable_as_source_by(user).filter(owner=user).order_by("-created_at")[:AVATARS_SHOWN]) if user.is_authenticated else []
    seen = {a.pk for a in mine}
    public = [a for a in Avatar.objects.usable_as_source_by(user).exclude(owner=user).order_by("-created_at")[: AVATARS_SHOWN * 2] if a.pk not in seen]
    options = mine + public[:AVATARS_SHOWN]
    if selected and selected not in {a.pk for a in options}:
        options += list(Avatar.objects.usable_as_source_by(user).filter(pk=selected))
    return options


class UploadForm(forms.Form):
    avatar = forms.Field(widget=forms.HiddenInput)  # replaced per user in __init__
    target = forms.FileField(
        label="Your photo or video",
        help_text=f"{ACCEPTED[0].upper()}{ACCEPTED[1:]}. Its location and camera data are removed when it arrives.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm"}),
        error_messages={"required": "Choose a photo or video to upload.", "empty": "The file is empty."},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar"] = AvatarField(user, label="Avatar to swap in", widget=forms.RadioSelect)
        self.user = user
        if not self.is_bound and not self.initial.get("avatar"):
            # The one sensible choice when none was asked for: the avatar the person made last.
            # (Sent without one, the form comes back and the browser has dropped the chosen file.)
            self.initial["avatar"] = Avatar.objects.usable_as_source_by(user).filter(owner=user).order_by("-created_at").values_list("pk", flat=True).first()

    def clean_target(self):
        upload = self.cleaned_data["target"]
        try:
            self.cleaned_data["checked"] = check_upload(upload)
        except UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload

    @property
    def limit_mb(self) -> int:
        return settings.SAFEFACE_UPLOAD_MAX_BYTES // 2**20


class FacePickForm(forms.Form):
    """Which faces of the target to swap, and the avatar for each."""

    WHICH = [("all", "Every face"), ("largest", "The largest face"), ("chosen", "The faces I tick")]

    avatar = forms.Field()  # replaced per user in __init__
    which = forms.ChoiceField(choices=WHICH, initial="all", widget=forms.RadioSelect, label="Faces to swap")
    strong = forms.BooleanField(
        required=False, label="Stronger swap",
        help_text="Replaces more of the face (the avatar's eyes too, its face shape exaggerated): "
                  "harder to recognise, a little less natural. Use it when a swap may still be recognised.",
    )

    def __init__(self, user, target, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["avatar"] = AvatarField(user, label="Avatar for every face", widget=forms.RadioSelect)
        for index, _ in enumerate(target.faces[:MAX_FACES]):
            self.fields[f"face_{index}"] = forms.BooleanField(required=False, label=f"Face {index + 1}")
            self.fields[f"avatar_{index}"] = AvatarField(user, required=False, label=f"Avatar for face {index + 1}")

    def face_rows(self):
        """(number, face, tick field, avatar field) for the template."""
        for index, face in enumerate(self.target.faces[:MAX_FACES]):
            x1, y1, x2, y2 = face["box"]
            box = {"x": round(x1, 1), "y": round(y1, 1), "w": round(x2 - x1, 1), "h": round(y2 - y1, 1)}
            yield index + 1, box, self[f"face_{index}"], self[f"avatar_{index}"]

    def clean(self):
        cleaned = super().clean()
        faces = self.target.faces[:MAX_FACES]
        default = cleaned.get("avatar")
        which = cleaned.get("which")
        if not faces:
            raise forms.ValidationError("No face was found to swap. Try another photo, or another frame of the video.")
        if which in ("all", "largest"):
            indices = select_by_area([face["area"] for face in faces], which)
        else:
            indices = [i for i in range(len(faces)) if cleaned.get(f"face_{i}")]
            if not indices and which == "chosen":
                raise forms.ValidationError("Tick at least one face, or choose “Every face”.")
        mapping = []
        for index in indices:
            avatar = cleaned.get(f"avatar_{index}") or default
            if avatar is None:
                if not self.has_error("avatar"):
                    self.add_error("avatar", NOT_USABLE)
                return cleaned
            mapping.append({"face": index, "avatar": avatar.pk})
        cleaned["selection"] = which if which != "chosen" else indices
        cleaned["mapping"] = mapping
        return cleaned
