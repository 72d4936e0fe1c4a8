"""Turning a generated picture into the avatar's stored files."""


def labelled_png(rgb, avatar, engine: str, seed: int, models: list[dict]) -> bytes:
    """The avatar's PNG, labelled as synthetic: watermark with its id, XMP
    DigitalSourceType trainedAlgorithmicMedia, and a signed C2PA manifest naming `models`."""
    from safeface import inference
    from safeface.provenance import GenerationFacts, Kind, label_image

    facts = GenerationFacts(Kind.AVATAR, avatar.pk, engine=engine, seed=seed, spec=avatar.spec, models=models)
    return label_image(rgb, mime="image/png", facts=facts, identity=inference.signing_identity())


def face_data(face) -> dict:
    return {
        "box": [round(float(v), 2) for v in face.box],
        "score": round(float(face.score), 4),
        "keypoints": [[round(float(x), 2), round(float(y), 2)] for x, y in face.keypoints[:, :2]],
        "landmarks": None if face.landmarks is None else [[round(float(x), 2), round(float(y), 2)] for x, y in face.landmarks[:, :2]],
    }
