from django import forms

from moderation.models import Report


class ReportForm(forms.ModelForm):
    # Declared, not derived from the model, so no blank "---------" reason comes first, pre-chosen.
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect, label="What is wrong with it?")

    class Meta:
        model = Report
        fields = ["reason", "note"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3, "maxlength": 1000, "placeholder": "Optional: anything that helps a moderator"}),
        }
