"""C2PA manifests: sign image bytes with SafeFace's actions and assertion, and read them back.

Uses c2pa-python (0.38.1, c2pa-rs 0.91.3), which embeds manifests in PNG, JPEG and WebP
(and more formats we do not use). Reading runs with network features off: no remote
manifest fetch, no OCSP, so a file cannot make the server contact anyone.
"""

from __future__ import annotations

import enum
import functools
import io
import logging
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, BinaryIO

import c2pa

from .errors import LabellingError
from .facts import GENERATION_ASSERTION_LABEL, GenerationFacts, Kind
from .image_formats import sniff_mime
from .signing import SigningIdentity

logger = logging.getLogger(__name__)

_OFFLINE = {"remote_manifest_fetch": False, "ocsp_fetch": False}


class Verdict(enum.Enum):
    """What the C2PA validation of a file concluded, in words the /verify/ page can show."""

    TRUSTED = "trusted"  # intact, signed by a certificate chaining to a trust anchor
    VALID_UNTRUSTED = "valid_untrusted"  # intact, but the signer is not one we trust
    INVALID = "invalid"  # tampered with after signing, or a broken signature/manifest


@dataclass(frozen=True)
class ManifestSummary:
    """The parts of a file's active C2PA manifest the site shows or acts on.

    `generation` is our `org.safeface.generation` assertion. Anyone can sign a manifest
    carrying such an assertion, so act on it only when `verdict` is TRUSTED.
    """

    verdict: Verdict
    validation_state: str | None
    failure_codes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    digital_source_type: str | None = None
    generation: dict[str, Any] | None = None
    signer_issuer: str | None = None
    signer_common_name: str | None = None
    claim_generator: str | None = None
    ingredients: tuple[str, ...] = field(default=())


def sign_image(
    data: bytes,
    mime: str,
    facts: GenerationFacts,
    identity: SigningIdentity,
    *,
    parent: bytes | None = None,
) -> bytes:
    """Return `data` with an embedded, signed C2PA manifest describing `facts`.

    Without `parent` the manifest records `c2pa.created` with the kind's IPTC digital source
    type. With `parent` (the stored swap target the result was made from) it records
    `c2pa.opened` on that parent ingredient, then `c2pa.edited` with
    `compositeWithTrainedAlgorithmicMedia`.
    """
    parent_part = None
    if parent is not None:
        parent_mime = sniff_mime(parent)
        if parent_mime is None:
            raise LabellingError("the parent image is not PNG, JPEG or WebP")
        parent_part = (parent_mime, io.BytesIO(parent))
    out = io.BytesIO()
    sign_stream(io.BytesIO(data), out, mime, facts, identity, parent=parent_part)
    return out.getvalue()


def sign_stream(
    source: BinaryIO, destination: BinaryIO, mime: str, facts: GenerationFacts, identity: SigningIdentity, *,
    parent: tuple[str, BinaryIO] | None = None,
) -> None:
    """Write `source` (a file of type `mime`) to `destination` with a signed C2PA manifest, as
    sign_image does; `parent` is (mime, stream) of the file it was made from. Streams, so a
    video is never read whole into memory."""
    builder_context = c2pa.Context.from_dict(
        {
            # Our files are small previews of themselves; a thumbnail would double their size.
            "builder": {"thumbnail": {"enabled": False}},
            "verify": _OFFLINE,
        }
    )
    try:
        builder = c2pa.Builder(_manifest_definition(facts, parent is not None), context=builder_context)
        if parent is not None:
            parent_mime, parent_stream = parent
            builder.add_ingredient(
                {"title": f"source{_extension(parent_mime)}", "relationship": "parentOf", "label": "parent"},
                parent_mime,
                parent_stream,
            )
        signer = c2pa.Signer.from_info(
            c2pa.C2paSignerInfo(identity.alg, identity.cert_chain_pem, identity.private_key_pem, identity.tsa_url)
        )
        with signer:
            builder.sign(signer, mime, source, destination)
    except c2pa.C2paError as exc:
        raise LabellingError(f"C2PA signing failed: {exc}") from exc
    finally:
        builder_context.close()


def can_sign(mime: str) -> bool:
    """Whether C2PA can embed a manifest in (or read an ingredient from) a file of this type."""
    return mime in _signable()


@functools.cache
def _signable() -> frozenset[str]:
    return frozenset(c2pa.Builder.get_supported_mime_types())


def read_manifest(data: bytes, mime: str, *, trust_anchors_pem: bytes | str | None = None) -> ManifestSummary | None:
    """Validate the C2PA manifest embedded in `data`; None when there is none.

    `trust_anchors_pem` are extra root certificates (PEM) to trust, added to the SDK's own
    (e.g. the development root from signing.load_or_create_dev_identity). May raise
    c2pa.C2paError on a malformed file; report.read_provenance turns that into INVALID.
    """
    settings: dict[str, Any] = {"verify": _OFFLINE}
    if trust_anchors_pem:
        anchors = trust_anchors_pem.decode("ascii") if isinstance(trust_anchors_pem, bytes) else trust_anchors_pem
        settings["trust"] = {"user_anchors": anchors}
    context = c2pa.Context.from_dict(settings)
    try:
        reader = c2pa.Reader.try_create(mime, io.BytesIO(data), None, context)
        if reader is None:
            return None
        with reader:
            return _summary(reader)
    finally:
        context.close()


def _manifest_definition(facts: GenerationFacts, has_parent: bool) -> dict[str, Any]:
    agent = {"name": facts.engine}
    if has_parent:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
            {
                "action": "c2pa.edited",
                "digitalSourceType": facts.kind.digital_source_type,
                "softwareAgent": agent,
                "description": "A generated face was swapped onto faces of this image or video.",
            },
        ]
    else:
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": facts.kind.digital_source_type,
                "softwareAgent": agent,
                "description": _CREATED_DESCRIPTIONS[facts.kind],
            }
        ]
    return {
        "claim_generator_info": [{"name": "SafeFace", "version": _safeface_version()}],
        "title": f"{facts.safeface_id}",
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {"label": GENERATION_ASSERTION_LABEL, "data": facts.as_assertion_data()},
        ],
    }


_CREATED_DESCRIPTIONS = {
    Kind.AVATAR: "A face of a person who does not exist, generated by SafeFace.",
    Kind.FACE: "A face of a person who does not exist, generated by SafeFace from a value.",
    Kind.SWAP: "A generated face composited onto an image or video by SafeFace.",
}


def _summary(reader: c2pa.Reader) -> ManifestSummary:
    state = reader.get_validation_state()
    results = reader.get_validation_results() or {}
    active = results.get("activeManifest") or {}
    failures = tuple(str(item.get("code")) for item in active.get("failure") or ())
    manifest = reader.get_active_manifest() or {}
    actions: list[str] = []
    source_type = None
    generation = None
    for assertion in manifest.get("assertions") or ():
        label = assertion.get("label", "")
        data = assertion.get("data")
        if label.startswith("c2pa.actions") and isinstance(data, dict):
            for action in data.get("actions") or ():
                actions.append(str(action.get("action")))
                source_type = action.get("digitalSourceType") or source_type
        elif label == GENERATION_ASSERTION_LABEL and isinstance(data, dict):
            generation = data
    signature = manifest.get("signature_info") or {}
    generators = manifest.get("claim_generator_info") or [{}]
    return ManifestSummary(
        verdict=_verdict(state, failures),
        validation_state=state,
        failure_codes=failures,
        actions=tuple(actions),
        digital_source_type=source_type,
        generation=generation,
        signer_issuer=signature.get("issuer"),
        signer_common_name=signature.get("common_name"),
        claim_generator=generators[0].get("name") if generators else None,
        ingredients=tuple(str(i.get("title")) for i in manifest.get("ingredients") or ()),
    )


def _verdict(state: str | None, failures: tuple[str, ...]) -> Verdict:
    # c2pa-rs reports "Trusted", "Valid" (intact, signer not anchored) or "Invalid".
    if state == "Trusted":
        return Verdict.TRUSTED
    if state == "Valid" and not failures:
        return Verdict.VALID_UNTRUSTED
    if state == "Valid" and all(code == "signingCredential.untrusted" for code in failures):
        return Verdict.VALID_UNTRUSTED
    return Verdict.INVALID


def _extension(mime: str) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "video/mp4": ".mp4",
            "video/quicktime": ".mov"}.get(mime, "")


@functools.cache  # reading the installed metadata costs 2 ms, a third of signing a small face
def _safeface_version() -> str:
    try:
        return metadata.version("safeface")
    except metadata.PackageNotFoundError:
        return "0"
