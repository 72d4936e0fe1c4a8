"""The composer: every attribute of the vocabulary as a form field."""

from django import forms
from django.conf import settings

from avatars.models import MAX_SEED
from facekit.engines.vocabulary import ATTRIBUTES, SpecError, validate_spec


class SliderWidget(forms.Widget):
    """An ordered attribute as a range input; posts the value's position, so it
    works without JavaScript, and labels sit under the track as ticks."""

    template_name = "avatars/widgets/slider.html"

    def __init__(self, keys, labels, attrs=None):
        super().__init__(attrs)
        self.keys, self.labels = list(keys), list(labels)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        position = self.keys.index(value) if value in self.keys else 0
        context["widget"].update(position=position, max=len(self.keys) - 1, ticks=self.labels)
        return context

    def value_from_datadict(self, data, files, name):
        raw = data.get(name)
        if raw is None:
            return None
        if raw in self.keys:  # a plain key is fine too (links, the API)
            return raw
        try:
            return self.keys[int(raw)]
        except (ValueError, IndexError):
            return raw  # left for the field to refuse with a clear message


def attribute_field(attribute) -> forms.ChoiceField:
    choices = [(value.key, value.label) for value in attribute.values]
    if attribute.kind == "slider":
        widget = SliderWidget([v.key for v in attribute.values], [v.label for v in attribute.values])
    else:
        widget = forms.RadioSelect
    return forms.ChoiceField(
        label=attribute.label,
        choices=choices,
        initial=attribute.default,
        required=False,
        widget=widget,
        help_text=attribute.help,
    )


class ComposerForm(forms.Form):
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        help_text="Leave empty for a new face each time.",
        widget=forms.NumberInput(attrs={"placeholder": "random", "inputmode": "numeric"}),
    )
    lock_seed = forms.BooleanField(required=False, label="Keep this seed")
    count = forms.TypedChoiceField(
        label="How many",
        choices=[(n, str(n)) for n in range(1, 5)],
        coerce=int,
        initial=4,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, attribute in ATTRIBUTES.items():
            self.fields[key] = attribute_field(attribute)

    def controls(self):
        """(bound field, attribute, [(radio, value)...]) in vocabulary order, for the template."""
        for key, attribute in ATTRIBUTES.items():
            bound = self[key]
            options = [] if attribute.kind == "slider" else list(zip(bound, attribute.values))
            yield bound, attribute, options

    def clean(self):
        cleaned = super().clean()
        raw = {key: cleaned.get(key) or None for key in ATTRIBUTES}
        try:
            cleaned["spec"] = validate_spec(raw)
        except SpecError as exc:
            self.add_error(getattr(exc, "key", None) if getattr(exc, "key", None) in self.fields else None, str(exc))
        return cleaned

    @property
    def size(self) -> int:
        return settings.SAFEFACE_AVATAR_SIZE


class SelectionForm(forms.Form):
    """Several avatars picked in "My avatars", to delete at once."""

    avatars = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, queryset, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatars"].choices = [(pk, pk) for pk in queryset.values_list("pk", flat=True)]
        self.queryset = queryset

    def selected(self):
        return self.queryset.filter(pk__in=self.cleaned_data["avatars"])
