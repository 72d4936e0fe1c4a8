"""The attribute vocabulary: validation, normalisation, prompts."""

from __future__ import annotations

import re

import pytest

from facekit.engines.vocabulary import (
    ANY,
    ATTRIBUTES,
    KINDS,
    SKIN_TONES,
    SpecError,
    UnknownAttribute,
    UnknownValue,
    build_prompt,
    describe,
    resolve_spec,
    validate_spec,
)

DEFAULTS = {key: attribute.default for key, attribute in ATTRIBUTES.items()}
REQUIRED = {
    "age", "gender", "skin_tone", "hair_colour", "hair_length", "hair_style", "eye_colour", "facial_hair",
    "expression", "glasses", "head_covering", "makeup", "head_pose", "lighting", "background", "photo_style",
}


def test_it_defines_every_attribute_the_composer_needs():
    assert REQUIRED <= set(ATTRIBUTES)
    orders = [attribute.order for attribute in ATTRIBUTES.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    for attribute in ATTRIBUTES.values():
        assert attribute.kind in KINDS
        assert attribute.label and attribute.values
        assert attribute.default in attribute.value_keys
        if attribute.kind == "swatch":
            for value in attribute.concrete_values:
                assert re.fullmatch(r"#[0-9a-f]{6}", value.swatch), (attribute.key, value.key)


def test_it_uses_the_ten_step_monk_scale_for_skin_tone():
    skin = ATTRIBUTES["skin_tone"]
    assert skin.kind == "swatch"
    assert [v.key for v in skin.concrete_values] == list(SKIN_TONES)
    assert len(SKIN_TONES) == 10
    assert skin.value("monk_01").swatch == "#f6ede4" and skin.value("monk_10").swatch == "#292420"


def test_it_fills_missing_attributes_with_defaults_in_vocabulary_order():
    normalised = validate_spec({"expression": "smile"})

    assert list(normalised) == list(ATTRIBUTES)
    assert normalised == {**DEFAULTS, "expression": "smile"}
    assert validate_spec(None) == DEFAULTS


def test_it_normalises_case_dashes_spaces_and_labels():
    normalised = validate_spec({"Hair_Colour": "Dark-Brown", "skin_tone": "Monk 3", "head_pose": " Slightly left "})

    assert normalised["hair_colour"] == "dark_brown"
    assert normalised["skin_tone"] == "monk_03"
    assert normalised["head_pose"] == "slightly_left"


def test_it_treats_empty_and_none_values_as_the_default():
    assert validate_spec({"glasses": "", "makeup": None}) == DEFAULTS


def test_it_names_an_unknown_attribute_and_lists_the_allowed_ones():
    with pytest.raises(UnknownAttribute) as caught:
        validate_spec({"tattoos": "many"})

    message = str(caught.value)
    assert "'tattoos'" in message and "skin_tone" in message and "photo_style" in message
    assert isinstance(caught.value, SpecError) and isinstance(caught.value, ValueError)


def test_it_names_an_unknown_value_and_lists_the_allowed_ones():
    with pytest.raises(UnknownValue) as caught:
        validate_spec({"glasses": "monocle"})

    message = str(caught.value)
    assert "'monocle'" in message and "'glasses'" in message
    assert all(key in message for key in ATTRIBUTES["glasses"].value_keys)
    assert caught.value.key == "glasses" and caught.value.value == "monocle"


def test_it_rejects_non_string_values_and_non_mapping_specs():
    with pytest.raises(UnknownValue):
        validate_spec({"age": 30})
    with pytest.raises(SpecError):
        validate_spec(["age", "adult"])


def test_it_builds_the_same_prompt_for_the_same_spec_and_seed():
    spec = {"skin_tone": "monk_07", "expression": "smile", "glasses": "none"}

    assert build_prompt(spec, 1234) == build_prompt(dict(reversed(list(spec.items()))), 1234)
    assert build_prompt(spec, 1234) == build_prompt(validate_spec(spec), 1234)


def test_it_puts_chosen_values_in_the_positive_and_their_negatives_in_the_negative_prompt():
    positive, negative = build_prompt({"skin_tone": "monk_07", "glasses": "none", "expression": "broad_smile"}, 5)

    assert "medium brown skin" in positive
    assert "broad smile showing teeth" in positive
    assert "sunglasses" in negative and "sunglasses" not in positive
    assert "cartoon" in negative


def test_it_draws_unspecified_identity_attributes_from_the_seed():
    prompts = {build_prompt({}, seed)[0] for seed in range(20)}
    assert len(prompts) > 10  # "any" does not collapse onto one default person

    chosen = resolve_spec({"skin_tone": "monk_02"}, 99)
    assert chosen["skin_tone"] == "monk_02"
    assert chosen["age"] != ANY and chosen["gender"] != ANY
    assert resolve_spec({}, 99) == resolve_spec({}, 99)


def test_it_never_draws_dyed_hair_or_unusual_values_for_any():
    hair = {resolve_spec({}, seed)["hair_colour"] for seed in range(300)}
    assert not hair & {"blue", "pink"}
    assert len(hair) >= 5


def test_it_describes_the_choices_a_person_made():
    assert describe({"skin_tone": "monk_03", "glasses": "sunglasses"}) == [
        ("Skin tone", "Monk 3"), ("Glasses", "Sunglasses"),
    ]
