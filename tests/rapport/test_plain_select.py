"""PlainSelect writes the same <select> as Django's Select, without a template per option."""

import re

from django import forms

from rapport.forms import PlainSelect

CHOICES = [("", "Choose <one>"), ("1", "Ann & Bo"), ("2", "Cy \"Dee\"")]


class Both(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, help_text="Pick one.", widget=PlainSelect)
    django = forms.ChoiceField(choices=CHOICES, help_text="Pick one.")


def parts(html: str, name: str) -> tuple[set[str], list[str]]:
    """The <select>'s attributes (ids made comparable) and its options, whitespace aside."""
    html = html.replace(f"id_{name}", "id_X").replace(f'name="{name}"', 'name="X"')
    select = re.match(r"<select ([^>]*)>", html).group(1)
    return set(re.findall(r'[\w-]+(?:="[^"]*")?', select)), re.findall(r"<option[^>]*>[^<]*</option>", html)


def test_plain_select_matches_djangos_select_with_escaping_selection_and_errors():
    for data in ({"plain": "2", "django": "2"}, {"plain": "", "django": ""}):
        form = Both(data)
        form.is_valid()
        plain, django = str(form["plain"]), str(form["django"])
        assert parts(plain, "plain") == parts(django, "django")
    assert 'aria-invalid="true"' in plain and "required" in plain
    assert "<option value=\"1\">Ann &amp; Bo</option>" in plain and "Choose &lt;one&gt;" in plain
