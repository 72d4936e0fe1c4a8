"""The API's OpenAPI 3.1 document, written out by hand from params.py's limits
(tests/faceapi/test_openapi.py validates it and runs schemathesis against it)."""

from __future__ import annotations

from . import params as p

VALUE_DESCRIPTION = f"Any text (1 to {p.MAX_VALUE_LENGTH} characters): a checksum, a commit hash, a user name."


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _value(name: str, description: str = VALUE_DESCRIPTION, required: bool = False) -> dict:
    return _query(name, {"type": "string", "minLength": 1, "maxLength": p.MAX_VALUE_LENGTH}, description, required)


def _integer(name: str, low: int, high: int, default: int | None, description: str) -> dict:
    schema = {"type": "integer", "minimum": low, "maximum": high}
    if default is not None:
        schema["default"] = default
    return _query(name, schema, description)


def _format(formats: dict, default: str, description: str) -> dict:
    return _query("format", {"type": "string", "enum": list(formats), "default": default}, description)


DIM = _integer("dim", p.DIM_MIN, p.DIM_MAX, p.DIM_DEFAULT, "Width and height of the picture in pixels.")

BLEND = [
    param
    for i in range(p.MAX_BLEND)
    for param in (
        _value(f"value{i}", f"Blend: the value of face {i}. Numbered from 0 without gaps; not with `value`."),
        _query(
            f"amount{i}",
            {"type": "number", "minimum": p.AMOUNT_MIN, "maximum": p.AMOUNT_MAX, "default": 1},
            f"Blend: how much of face {i} (negative: away from it). Needs `value{i}`.",
        ),
    )
]

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "what went wrong, in words a person can act on"},
        "parameter": {"type": "string", "description": "the query parameter to fix"},
        "status": {"type": "string"},
        "status_url": {"type": "string"},
    },
}
PENDING = {
    "type": "object",
    "required": ["status", "status_url", "url"],
    "properties": {
        "status": {"type": "string", "enum": ["queued", "running", "done"]},
        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "status_url": {"type": "string", "description": "GET it to follow the render"},
        "url": {"type": "string", "description": "this request: GET it again once the render is done"},
    },
}


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _error(description: str, retry_after: bool = False) -> dict:
    response = {"description": description, "content": _json("Error")}
    if retry_after:
        response["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
    return response


def _media(types: dict, description: str) -> dict:
    return {
        "200": {
            "description": description,
            "headers": {
                "ETag": {"description": "strong; send it back in If-None-Match", "schema": {"type": "string"}},
                "Cache-Control": {"description": "public, max-age=31536000, immutable", "schema": {"type": "string"}},
            },
            "content": {mime: {"schema": {"type": "string", "contentMediaType": mime}} for mime in dict.fromkeys(types.values())},
        },
        "202": {
            "description": "Not rendered yet: it is queued. Follow `status_url`, then request this URL again.",
            "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},
            "content": _json("Pending"),
        },
        "304": {"description": "Not modified: the `If-None-Match` ETag is still this file's."},
        **COMMON_ERRORS,
        "503": _error("The queue is not answering, or the render failed; try again later.", retry_after=True),
    }


COMMON_ERRORS = {
    "400": _error("A bad parameter; `parameter` names it."),
    "405": _error("Only GET is allowed."),
    "429": _error("Too many requests from this address.", retry_after=True),
}

IMAGE_FORMAT = _format(p.IMAGE_FORMATS, "webp", "Image format.")


def _seed(name: str, description: str) -> dict:
    return _query(name, {"type": "string", "pattern": "^[0-9]{1,20}$"}, description + " 0 to 2**64 - 1.")


# CheckFace's URL shapes (faceapi/checkface.py): lenient numbers, so no ranges to state.
def _lenient(name: str, default: int, description: str) -> dict:
    return _query(name, {"type": "string"}, f"{description} Default {default}; out of range or not a number: the default.")


CHECKFACE_MORPH = [
    _value("from_value", "The value whose face the animation starts from (or `from_seed`)."),
    _value("to_value", "The value whose face it ends on (or `to_seed`)."),
    _seed("from_seed", "Instead of `from_value`: the seed."),
    _seed("to_seed", "Instead of `to_value`: the seed."),
    _lenient("dim", p.DIM_DEFAULT, "Width and height in pixels."),
    _lenient("fps", 16, "Frames per second."),
    _lenient("num_frames", 50, "Frames."),
]
# Read only with num_multi > 0 (and then checked as /api/face checks a blend).
CHECKFACE_BLEND = [
    _query(f"{kind}{i}", {"type": "string"}, f"With `num_multi` over {i}: the blend's {kind} {i}, as in /api/face.")
    for i in range(p.MAX_BLEND)
    for kind in ("value", "amount")
]
CHECKFACE_NOTE = " CheckFace's URL shape (the retired facemorph.me API); the faces differ from CheckFace's."


def _checkface_morph(fmt: str, extra: list | None = None, html: bool = False) -> dict:
    responses = _media({fmt: p.ANIMATION_FORMATS[fmt]}, "The animation.")
    if html:
        responses["200"]["content"]["text/html"] = {"schema": {"type": "string"}}
    return {"get": {"operationId": f"checkface_{fmt}", "summary": f"As /api/morph?format={fmt}." + CHECKFACE_NOTE,
                    "parameters": [*CHECKFACE_MORPH, *(extra or [])], "responses": responses}}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SafeFace face API",
            "version": "1.0.0",
            "summary": "Any value to the same generated face, every time.",
            "description": (
                "Seed = the first 8 bytes of SHA-256(value). The same value on the same engine (name@version) "
                "gives the same file, with a strong ETag and an immutable Cache-Control. Every face is of a "
                "person who does not exist, labelled as synthetic (C2PA, IPTC XMP, invisible watermark)."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/face": {
                "get": {
                    "operationId": "face",
                    "summary": "The face for a value, or a blend of several values' faces",
                    "parameters": [_value("value", VALUE_DESCRIPTION + " Required unless a blend or `seed` is given."),
                                   _seed("seed", "Instead of `value`: the seed itself."), DIM, IMAGE_FORMAT, *BLEND],
                    "responses": _media(p.IMAGE_FORMATS, "The face."),
                }
            },
            "/api/morph": {
                "get": {
                    "operationId": "morph",
                    "summary": "An animation from one value's face to another's, or one frame of it",
                    "parameters": [
                        _value("from", "The value whose face the animation starts from (or `from_seed`)."),
                        _value("to", "The value whose face it ends on (or `to_seed`)."),
                        _seed("from_seed", "Instead of `from`: the seed."),
                        _seed("to_seed", "Instead of `to`: the seed."),
                        _integer("frames", p.FRAMES_MIN, p.FRAMES_MAX, p.FRAMES_DEFAULT, "Frames, both ends included."),
                        _integer("fps", p.FPS_MIN, p.FPS_MAX, p.FPS_DEFAULT, "Frames per second."),
                        _integer("dim", p.DIM_MIN, p.DIM_MAX, p.DIM_DEFAULT, "Width and height in pixels (even for mp4)."),
                        _query(
                            "format",
                            {"type": "string", "enum": sorted(set(p.ANIMATION_FORMATS) | set(p.IMAGE_FORMATS))},
                            "mp4 (default), gif or webp; with `frame`: webp (default), png or jpg.",
                        ),
                        _integer("frame", 0, p.FRAMES_MAX - 1, None, "Only this frame (0 to frames - 1), as an image."),
                    ],
                    "responses": _media({**p.ANIMATION_FORMATS, **p.IMAGE_FORMATS}, "The animation, or the frame."),
                }
            },
            "/api/seed": {
                "get": {
                    "operationId": "seed",
                    "summary": "The seed a value maps to, and the engine that draws its face",
                    "parameters": [_value("value", required=True)],
                    "responses": {"200": {"description": "The seed.", "content": _json("Seed")}, **COMMON_ERRORS},
                }
            },
            "/api/status/{key}": {
                "get": {
                    "operationId": "status",
                    "summary": "Where a queued render stands",
                    "parameters": [
                        {
                            "name": "key",
                            "in": "path",
                            "required": True,
                            "description": "The render key from a 202 answer's status_url.",
                            "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The render's state.", "content": _json("Status")},
                        "404": _error("No render has this key."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/face/": {
                "get": {
                    "operationId": "checkface_face",
                    "summary": "As /api/face, default JPEG." + CHECKFACE_NOTE,
                    "parameters": [
                        _value("value", VALUE_DESCRIPTION + " Required unless `seed` or a blend is given."),
                        _seed("seed", "Instead of `value`: the seed itself."),
                        _lenient("dim", p.DIM_DEFAULT, "Width and height in pixels."),
                        _query("format", {"type": "string"}, "`webp`; anything else: JPEG."),
                        _lenient("num_multi", 0, "A blend of this many faces: `value0`, `amount0`, ..."),
                        *CHECKFACE_BLEND,
                    ],
                    "responses": _media({"webp": "image/webp", "jpg": "image/jpeg"}, "The face."),
                }
            },
            "/api/hashdata/": {
                "get": {
                    "operationId": "checkface_hashdata",
                    "summary": "The seed of a value (or a seed), the value's SHA-256 and the engine." + CHECKFACE_NOTE,
                    "parameters": [_value("value", VALUE_DESCRIPTION + " Required unless `seed` is given."),
                                   _seed("seed", "Instead of `value`: the seed itself.")],
                    "responses": {"200": {"description": "The seed.", "content": _json("HashData")}, **COMMON_ERRORS},
                }
            },
            "/api/gif/": _checkface_morph("gif"),
            "/api/webp/": _checkface_morph("webp"),
            "/api/mp4/": _checkface_morph(
                "mp4", [_query("embed_html", {"type": "string"}, "`true`: an HTML page that plays the MP4 looping.")], html=True,
            ),
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}},
                        **COMMON_ERRORS,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Error": ERROR,
                "Pending": PENDING,
                "Seed": {
                    "type": "object",
                    "required": ["value", "seed", "engine"],
                    "properties": {
                        "value": {"type": "string"},
                        "seed": {"type": "string", "pattern": "^[0-9]+$", "description": "unsigned 64-bit, as a decimal string"},
                        "engine": {"type": "string", "description": "the generator's name@version"},
                    },
                },
                "HashData": {
                    "type": "object",
                    "required": ["seed", "seed_text", "engine"],
                    "properties": {
                        "seed": {"type": "integer", "minimum": 0, "description": "as CheckFace gave it; JavaScript rounds it above 2**53"},
                        "seed_text": {"type": "string", "pattern": "^[0-9]+$", "description": "the same seed, as a decimal string"},
                        "engine": {"type": "string", "description": "the generator's name@version"},
                        "value": {"type": "string"},
                        "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the value (UTF-8)"},
                    },
                },
                "Status": {
                    "type": "object",
                    "required": ["key", "kind", "status", "progress", "engine", "url"],
                    "properties": {
                        "key": {"type": "string"},
                        "kind": {"type": "string", "enum": ["face", "frames", "animation"]},
                        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                        "engine": {"type": "string"},
                        "url": {"type": "string", "description": "the request that started the render"},
                        "error": {"type": "string"},
                    },
                },
            },
            "headers": {
                "Retry-After": {"description": "seconds to wait before asking again", "schema": {"type": "integer", "minimum": 0}}
            },
        },
    }
