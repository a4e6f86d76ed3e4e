"""The error summary at the top of every form page: one line per problem, each linking to its field."""

from django import forms

from rapport.forms import SummaryItem, error_summary


class RiskForm(forms.Form):
    concern = forms.ChoiceField(label="Suicidal ideation", choices=[("none", "None"), ("concern", "Concern")],
                                widget=forms.RadioSelect)
    assessment = forms.CharField(label="Assessment")
    areas = forms.MultipleChoiceField(label="Areas", choices=[("a", "A"), ("b", "B")],
                                      widget=forms.CheckboxSelectMultiple)

    def clean_assessment(self):
        raise forms.ValidationError("Assessment: write this section before signing.")


def test_radio_and_checkbox_groups_link_to_their_first_option():
    items = error_summary(RiskForm(data={"assessment": "x"}))
    anchors = {item.text.split(":")[0]: item.anchor for item in items}
    assert anchors["Suicidal ideation"] == "id_concern_0"
    assert anchors["Areas"] == "id_areas_0"


def test_a_message_that_already_names_its_field_is_not_named_twice():
    items = error_summary(RiskForm(data={"concern": "none", "areas": ["a"], "assessment": "x"}))
    assert items == [SummaryItem("id_assessment", "Assessment: write this section before signing.")]


def test_a_field_without_an_id_gets_no_link():
    form = RiskForm(data={}, auto_id=False)
    assert {item.anchor for item in error_summary(form)} == {""}
