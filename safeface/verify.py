"""The "check a picture or video" page: does a file carry SafeFace's labels, and where did
it come from? The upload is read in memory and never stored."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from moderation.models import reportable_model
from safeface import inference
from facekit.provenance import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, TRAINED_ALGORITHMIC_MEDIA, Verdict, read_provenance
from facekit.core.ratelimits import limited

SOURCE_TYPES = {
    TRAINED_ALGORITHMIC_MEDIA: "made entirely by a generative model",
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA: "a real picture with generated parts composited in",
}


class VerifyForm(forms.Form):
    image = forms.FileField(label="Picture or video",
                            help_text="PNG, JPEG, WebP or MP4. It is checked and forgotten, never stored.")

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > settings.SAFEFACE_VERIFY_MAX_BYTES:
            raise forms.ValidationError(f"That file is larger than {settings.SAFEFACE_VERIFY_MAX_BYTES // 2**20} MB.")
        return upload


def _origin(safeface_id: str | None, user):
    """The row a SafeFace id names, when this visitor may see it."""
    if not safeface_id or ":" not in safeface_id:
        return None
    kind, _, pk = safeface_id.partition(":")
    model = reportable_model(kind)  # "avatar:12": the kind is the model's report_kind
    if model is None or not pk.isdigit():
        return None
    row = model._default_manager.filter(pk=int(pk)).first()
    return row if row is not None and row.can_be_seen_by(user) else None


@limited("SAFEFACE_VERIFY_RATE", key="ip")
@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        report = read_provenance(form.cleaned_data["image"].read(), trust_anchors_pem=inference.signing_identity().trust_anchors_pem)
        trusted_id = report.trusted_safeface_id
        watermark_id = report.watermark.safeface_id if report.watermark else None
        context.update(
            report=report,
            checked=True,
            is_video=(report.mime or "").startswith("video/"),
            trusted=report.c2pa is not None and report.c2pa.verdict is Verdict.TRUSTED,
            tampered=report.c2pa is not None and report.c2pa.verdict is Verdict.INVALID,
            source_type=SOURCE_TYPES.get((report.c2pa and report.c2pa.digital_source_type) or (report.xmp and report.xmp.digital_source_type)),
            safeface_id=trusted_id or watermark_id,
            origin=_origin(trusted_id or watermark_id, request.user),
            from_face_api=(trusted_id or watermark_id or "").startswith("face:"),
        )
    return render(request, "verify.html", context)
