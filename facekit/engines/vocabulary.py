"""Every attribute a person can compose, in one place.

The composer form, the validation of stored specs, the prompt builder, the face
API and the engines all read this module, so a value added here shows up
everywhere at once. A spec is a plain dict `{attribute key: value key}`;
`validate_spec` turns any user-supplied dict into the normalised form that is
stored, and `build_prompt` renders a normalised spec into diffusion prompts.

Pure Python, no Django, no third-party imports: it is safe to import anywhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

ANY = "any"

# How the composer renders an attribute: a row of chips, colour swatches, or a
# slider over ordered values.
KINDS = ("chips", "swatch", "slider")

BASE_NEGATIVE = (
    "deformed, disfigured, distorted face, asymmetric eyes, extra limbs, mutated, "
    "blurry, out of focus, lowres, jpeg artifacts, watermark, text, signature, logo, "
    "multiple people, cropped face"
)


class SpecError(ValueError):
    """A spec names an attribute or a value that the vocabulary does not know."""


class UnknownAttribute(SpecError):
    def __init__(self, key: str):
        self.key = key
        allowed = ", ".join(ATTRIBUTES)
        super().__init__(f"Unknown attribute {key!r}; allowed attributes: {allowed}.")


class UnknownValue(SpecError):
    def __init__(self, attribute: "Attribute", value: object):
        self.key = attribute.key
        self.value = value
        allowed = ", ".join(attribute.value_keys)
        super().__init__(
            f"Unknown value {value!r} for attribute {attribute.key!r} ({attribute.label}); "
            f"allowed values: {allowed}."
        )


@dataclass(frozen=True)
class Value:
    """One choice of an attribute: what the person sees and what the prompt gets."""

    key: str
    label: str
    positive: str = ""  # prompt fragment; empty means "say nothing"
    negative: str = ""  # pushed into the negative prompt when chosen
    swatch: str | None = None  # "#rrggbb" for swatch attributes


@dataclass(frozen=True)
class Attribute:
    """One composable attribute and its allowed values, in display order."""

    key: str
    label: str
    kind: str
    order: int
    values: tuple[Value, ...]
    default: str = ANY
    help: str = ""
    # Identity attributes left at "any" are drawn from the seed by `build_prompt`
    # (from these value keys; empty: never drawn), so a text-to-image model does
    # not collapse every unspecified face onto its own average person.
    seed_pool: tuple[str, ...] = ()
    by_key: Mapping[str, Value] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Attribute {self.key!r}: kind must be one of {KINDS}, not {self.kind!r}.")
        by_key = {v.key: v for v in self.values}
        if len(by_key) != len(self.values):
            raise ValueError(f"Attribute {self.key!r} has duplicate value keys.")
        if self.default not in by_key:
            raise ValueError(f"Attribute {self.key!r}: default {self.default!r} is not one of its values.")
        if self.kind == "swatch" and any(v.swatch is None for v in self.values if v.key != ANY):
            raise ValueError(f"Swatch attribute {self.key!r} needs a swatch colour on every value.")
        unknown_pool = set(self.seed_pool) - set(by_key) | ({ANY} & set(self.seed_pool))
        if unknown_pool:
            raise ValueError(f"Attribute {self.key!r}: seed pool has non-concrete values {sorted(unknown_pool)}.")
        object.__setattr__(self, "by_key", MappingProxyType(by_key))

    @property
    def value_keys(self) -> tuple[str, ...]:
        return tuple(v.key for v in self.values)

    def value(self, key: str) -> Value:
        try:
            return self.by_key[key]
        except KeyError:
            raise UnknownValue(self, key) from None

    @property
    def concrete_values(self) -> tuple[Value, ...]:
        """The values that say something (everything but "any")."""
        return tuple(v for v in self.values if v.key != ANY)


def _any(label: str = "Any") -> Value:
    return Value(ANY, label)


# Monk Skin Tone scale (Ellis Monk, 2019): ten tones, light to dark, with the
# published reference colours.
_MONK_SWATCHES = (
    "#f6ede4", "#f3e7db", "#f7ead0", "#eadaba", "#d7bd96",
    "#a07e56", "#825c43", "#604134", "#3a312a", "#292420",
)
_MONK_WORDS = (
    "very fair", "fair", "light", "light beige", "light tan",
    "tan", "medium brown", "brown", "dark brown", "deep dark brown",
)

SKIN_TONES = tuple(f"monk_{i:02d}" for i in range(1, 11))


def _attributes() -> tuple[Attribute, ...]:
    return (
        Attribute(
            "age", "Age", "slider", 10,
            (
                _any(),
                Value("young_adult", "18–25", "young adult in their early twenties"),
                Value("adult", "25–35", "adult in their thirties"),
                Value("middle_aged", "35–50", "middle-aged adult in their forties"),
                Value("mature", "50–65", "mature adult in their late fifties"),
                Value("senior", "65+", "senior in their seventies", "young, smooth skin"),
            ),
            help="Generated faces are always adults.",
            seed_pool=("young_adult", "adult", "middle_aged", "mature", "senior"),
        ),
        Attribute(
            "gender", "Gender presentation", "chips", 20,
            (
                _any(),
                Value("feminine", "Feminine", "woman"),
                Value("masculine", "Masculine", "man"),
                Value("androgynous", "Androgynous", "androgynous person"),
            ),
            seed_pool=("feminine", "masculine"),
        ),
        Attribute(
            "skin_tone", "Skin tone", "swatch", 30,
            (_any(),) + tuple(
                Value(key, f"Monk {i + 1}", f"{_MONK_WORDS[i]} skin", swatch=_MONK_SWATCHES[i])
                for i, key in enumerate(SKIN_TONES)
            ),
            help="The 10-step Monk Skin Tone scale, light to dark.",
            seed_pool=SKIN_TONES,
        ),
        Attribute(
            "hair_colour", "Hair colour", "swatch", 40,
            (
                _any(),
                Value("black", "Black", "black hair", swatch="#1c1b1a"),
                Value("dark_brown", "Dark brown", "dark brown hair", swatch="#3b2a20"),
                Value("brown", "Brown", "brown hair", swatch="#6a4e37"),
                Value("light_brown", "Light brown", "light brown hair", swatch="#a27b5a"),
                Value("blonde", "Blonde", "blonde hair", swatch="#d8b875"),
                Value("platinum", "Platinum", "platinum blonde hair", swatch="#e8e0cf"),
                Value("red", "Red", "red hair", swatch="#a8401f"),
                Value("auburn", "Auburn", "auburn hair", swatch="#7c3322"),
                Value("grey", "Grey", "grey hair", swatch="#9a9a98"),
                Value("white", "White", "white hair", swatch="#ecebe8"),
                Value("blue", "Dyed blue", "dyed blue hair", swatch="#2f5fb3"),
                Value("pink", "Dyed pink", "dyed pink hair", swatch="#e27aa8"),
            ),
            seed_pool=("black", "dark_brown", "brown", "light_brown", "blonde", "red", "auburn"),
        ),
        Attribute(
            "hair_length", "Hair length", "slider", 50,
            (
                _any(),
                Value("bald", "Bald", "bald head", "hair"),
                Value("buzz", "Buzz cut", "buzz cut"),
                Value("short", "Short", "short hair", "long hair"),
                Value("chin", "Chin length", "chin-length hair"),
                Value("shoulder", "Shoulder length", "shoulder-length hair"),
                Value("long", "Long", "long hair", "short hair"),
            ),
        ),
        Attribute(
            "hair_style", "Hair style", "chips", 60,
            (
                _any(),
                Value("straight", "Straight", "straight hair"),
                Value("wavy", "Wavy", "wavy hair"),
                Value("curly", "Curly", "curly hair"),
                Value("coily", "Coily", "coily afro-textured hair"),
                Value("braids", "Braids", "braided hair"),
                Value("locs", "Locs", "locs"),
                Value("ponytail", "Ponytail", "hair in a ponytail"),
                Value("bun", "Bun", "hair in a bun"),
                Value("undercut", "Undercut", "undercut hairstyle"),
            ),
        ),
        Attribute(
            "eye_colour", "Eye colour", "swatch", 70,
            (
                _any(),
                Value("dark_brown", "Dark brown", "dark brown eyes", swatch="#3d2618"),
                Value("brown", "Brown", "brown eyes", swatch="#6b4226"),
                Value("amber", "Amber", "amber eyes", swatch="#b07a2a"),
                Value("hazel", "Hazel", "hazel eyes", swatch="#8a7540"),
                Value("green", "Green", "green eyes", swatch="#4f7a4a"),
                Value("blue", "Blue", "blue eyes", swatch="#5b86b5"),
                Value("grey", "Grey", "grey eyes", swatch="#8d979e"),
            ),
            seed_pool=("dark_brown", "brown", "amber", "hazel", "green", "blue", "grey"),
        ),
        Attribute(
            "facial_hair", "Facial hair", "chips", 80,
            (
                _any(),
                Value("none", "None", "clean-shaven", "beard, moustache, stubble"),
                Value("stubble", "Stubble", "light stubble"),
                Value("moustache", "Moustache", "moustache", "full beard"),
                Value("goatee", "Goatee", "goatee"),
                Value("short_beard", "Short beard", "short trimmed beard"),
                Value("full_beard", "Full beard", "full beard"),
            ),
        ),
        Attribute(
            "expression", "Expression", "chips", 90,
            (
                _any(),
                Value("neutral", "Neutral", "neutral expression, relaxed mouth", "smiling, teeth"),
                Value("smile", "Smile", "gentle smile"),
                Value("broad_smile", "Broad smile", "broad smile showing teeth", "closed mouth"),
                Value("serious", "Serious", "serious expression", "smiling"),
                Value("surprised", "Surprised", "surprised expression, raised eyebrows"),
                Value("thoughtful", "Thoughtful", "thoughtful expression"),
            ),
        ),
        Attribute(
            "glasses", "Glasses", "chips", 100,
            (
                _any(),
                Value("none", "None", "", "glasses, eyeglasses, sunglasses"),
                Value("clear", "Glasses", "wearing clear eyeglasses", "sunglasses"),
                Value("round", "Round frames", "wearing round wire-frame glasses", "sunglasses"),
                Value("thick", "Thick frames", "wearing thick black-framed glasses", "sunglasses"),
                Value("sunglasses", "Sunglasses", "wearing sunglasses"),
            ),
        ),
        Attribute(
            "head_covering", "Head covering", "chips", 110,
            (
                _any(),
                Value("none", "None", "", "hat, cap, headscarf, hood"),
                Value("cap", "Cap", "wearing a baseball cap"),
                Value("beanie", "Beanie", "wearing a knit beanie"),
                Value("hijab", "Hijab", "wearing a hijab"),
                Value("turban", "Turban", "wearing a turban"),
                Value("headscarf", "Headscarf", "wearing a headscarf"),
                Value("sun_hat", "Sun hat", "wearing a wide-brimmed sun hat"),
            ),
        ),
        Attribute(
            "makeup", "Makeup", "chips", 120,
            (
                _any(),
                Value("none", "None", "no makeup, natural skin", "makeup, lipstick"),
                Value("natural", "Natural", "subtle natural makeup"),
                Value("bold", "Bold", "bold makeup, red lipstick"),
                Value("editorial", "Editorial", "editorial fashion makeup"),
            ),
        ),
        Attribute(
            "head_pose", "Head pose", "slider", 130,
            (
                _any(),
                Value("left", "Turned left", "head turned to the left, three-quarter view"),
                Value("slightly_left", "Slightly left", "head turned slightly to the left"),
                Value("frontal", "Facing the camera", "facing the camera, frontal view", "profile view"),
                Value("slightly_right", "Slightly right", "head turned slightly to the right"),
                Value("right", "Turned right", "head turned to the right, three-quarter view"),
            ),
            help="Left and right as seen by the viewer.",
        ),
        Attribute(
            "lighting", "Lighting", "chips", 140,
            (
                _any(),
                Value("soft_studio", "Soft studio", "soft studio lighting"),
                Value("daylight", "Daylight", "natural daylight"),
                Value("golden_hour", "Golden hour", "warm golden hour light"),
                Value("dramatic", "Dramatic", "dramatic side lighting, deep shadows"),
                Value("bright", "Bright, high key", "bright high-key lighting", "dark, underexposed"),
                Value("dark", "Dark, low key", "low-key lighting, dark moody", "overexposed, bright"),
                Value("neon", "Neon", "colourful neon lighting"),
            ),
        ),
        Attribute(
            "background", "Background", "chips", 150,
            (
                _any(),
                Value("plain_light", "Plain light", "plain white background", "busy background"),
                Value("plain_grey", "Plain grey", "plain grey studio backdrop", "busy background"),
                Value("plain_dark", "Plain dark", "plain black background", "busy background"),
                Value("outdoor", "Outdoors", "blurred outdoor background"),
                Value("city", "City", "blurred city street background"),
                Value("office", "Office", "blurred office background"),
                Value("nature", "Nature", "blurred green foliage background"),
            ),
        ),
        Attribute(
            "photo_style", "Photo style", "chips", 160,
            (
                Value("portrait", "Portrait photo", "professional portrait photograph, sharp focus, detailed skin texture"),
                Value("headshot", "Studio headshot", "studio headshot, 85mm lens, sharp focus"),
                Value("passport", "ID photo", "passport photo, centred, neutral plain background, even lighting"),
                Value("candid", "Candid", "candid photo, natural look"),
                Value("film", "Film", "35mm film photograph, film grain"),
                Value("black_and_white", "Black and white", "black and white photograph", "colour"),
                Value("cinematic", "Cinematic", "cinematic still, shallow depth of field"),
            ),
            default="portrait",
        ),
    )


ATTRIBUTES: Mapping[str, Attribute] = MappingProxyType(
    {a.key: a for a in sorted(_attributes(), key=lambda a: a.order)}
)

# Photographic realism is what the studio is for: cartoons and renders are
# always pushed away.
STYLE_NEGATIVE = "cartoon, anime, illustration, painting, drawing, 3d render, cgi, doll, plastic skin"


def _normalise_value(raw: object) -> str:
    # Forms and query strings send "Dark brown" or "dark-brown"; stored specs use keys.
    return str(raw).strip().lower().replace("-", "_").replace(" ", "_")


def validate_spec(spec: Mapping[str, object] | None) -> dict[str, str]:
    """Return the normalised spec: every attribute, in vocabulary order.

    Missing attributes and `None`/"" values take the attribute's default.
    Raises `UnknownAttribute` or `UnknownValue` (both `SpecError`, a ValueError)
    naming the offender and listing what is allowed.
    """
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise SpecError(f"A spec is a mapping of attribute to value, not {type(spec).__name__}.")
    given: dict[str, object] = {}
    for raw_key, raw_value in spec.items():
        key = _normalise_value(raw_key)
        if key not in ATTRIBUTES:
            raise UnknownAttribute(str(raw_key))
        given[key] = raw_value
    normalised = {}
    for key, attribute in ATTRIBUTES.items():
        raw = given.get(key)
        if raw is None or raw == "":
            normalised[key] = attribute.default
            continue
        if not isinstance(raw, str):
            raise UnknownValue(attribute, raw)
        value = _normalise_value(raw)
        if value not in attribute.by_key:
            # Accept the label too ("Monk 3", "Dark brown"), since people type labels.
            by_label = {_normalise_value(v.label): v.key for v in attribute.values}
            if value not in by_label:
                raise UnknownValue(attribute, raw)
            value = by_label[value]
        normalised[key] = value
    return normalised


def seeded_choice(seed: int, attribute: Attribute) -> Value:
    """A concrete value of `attribute` picked by `seed`, stable across runs and Python versions."""
    digest = hashlib.sha256(f"{int(seed)}:{attribute.key}".encode()).digest()
    pool = attribute.seed_pool or tuple(v.key for v in attribute.concrete_values)
    return attribute.value(pool[int.from_bytes(digest[:8], "big") % len(pool)])


def resolve_spec(spec: Mapping[str, object] | None, seed: int) -> dict[str, str]:
    """The validated spec with "any" on identity attributes replaced by a seed-drawn value."""
    resolved = validate_spec(spec)
    for key, attribute in ATTRIBUTES.items():
        if attribute.seed_pool and resolved[key] == ANY:
            resolved[key] = seeded_choice(seed, attribute).key
    return resolved


def _with_article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _subject(spec: Mapping[str, str]) -> str:
    age = ATTRIBUTES["age"].value(spec["age"]).positive
    gender = ATTRIBUTES["gender"].value(spec["gender"]).positive or "person"
    if not age:
        return _with_article(gender)
    # "young adult in their early twenties" + "woman" -> "a young adult woman in their early twenties"
    head, _, tail = age.partition(" in ")
    return _with_article(f"{head} {gender}") + (f" in {tail}" if tail else "")


def build_prompt(spec: Mapping[str, object] | None, seed: int) -> tuple[str, str]:
    """Render a spec into `(positive, negative)` prompts. Same spec + seed, same text.

    The positive prompt reads "<style> of <subject>, <attributes...>, <style
    qualifiers>": the photo style's first phrase names the picture, the rest of
    it goes last, where quality words do the least harm to the subject.
    """
    resolved = resolve_spec(spec, seed)
    style = ATTRIBUTES["photo_style"].value(resolved["photo_style"])
    style_head, _, style_tail = style.positive.partition(", ")
    parts = [f"{style_head} of {_subject(resolved)}"]
    negatives = [BASE_NEGATIVE, STYLE_NEGATIVE]
    for key, attribute in ATTRIBUTES.items():
        value = attribute.value(resolved[key])
        if value.positive and key not in ("photo_style", "age", "gender"):
            parts.append(value.positive)
        if value.negative:
            negatives.append(value.negative)
    if style_tail:
        parts.append(style_tail)
    return ", ".join(parts), ", ".join(negatives)


def describe(spec: Mapping[str, object] | None) -> list[tuple[str, str]]:
    """(attribute label, value label) pairs of the non-default choices, for summaries."""
    normalised = validate_spec(spec)
    return [
        (attribute.label, attribute.value(normalised[key]).label)
        for key, attribute in ATTRIBUTES.items()
        if normalised[key] != attribute.default
    ]
