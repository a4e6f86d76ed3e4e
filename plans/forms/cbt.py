"""Forms of the "Between sessions" tab: thought records, behavioural experiments, the checking /
reassurance log and homework.

Plain forms: plans.services.cbt does the writing and checks the same rules again. Error messages say what
to fix and never repeat what was typed (it is clinical text). Field names match the model fields, so a
service's ValidationError lands on the right field (rapport.forms.add_service_errors).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from plans.models import (
    SHORT_TEXT_MAX,
    THOUGHT_SOURCES,
    CheckingKind,
    Distortion,
    HomeworkStatus,
    Objective,
    ObjectiveDataSource,
    PartnerPosition,
    PartnerScope,
)
from plans.selectors.progress import objective_label
from plans.services.cbt import MOOD_NAME_MAX, RATING_MAX, RATING_MIN
from rapport.forms import DateInput

MOOD_ROWS = 3
RATING_MESSAGE = "Give a rating from 0 to 100."
STALE_FORM = "The form was incomplete: open the edit page again and redo your change."

# Plain-language hints, in our own words, shown next to each distortion's checkbox.
DISTORTION_HINTS = {
    Distortion.ALL_OR_NOTHING: "Black-and-white thinking: if it is not perfect, it is a total failure.",
    Distortion.OVERGENERALISATION: "One event becomes a rule: \"you always\", \"this never works\".",
    Distortion.MENTAL_FILTER: "Dwelling on one bad detail until the rest of the picture fades.",
    Distortion.DISCOUNTING_POSITIVE: "Good things \"don't count\": a kind act is explained away.",
    Distortion.MIND_READING: "Being sure what the other person thinks or intends, without asking.",
    Distortion.FORTUNE_TELLING: "Predicting that things will go badly as if it were already a fact.",
    Distortion.MAGNIFICATION: "Blowing a problem up into a catastrophe, or shrinking what went well.",
    Distortion.EMOTIONAL_REASONING: "\"I feel it, so it must be true\": a feeling taken as evidence.",
    Distortion.SHOULD_STATEMENTS: "Rigid rules about how you or your partner should or must behave.",
    Distortion.LABELLING: "Summing up a whole person in one word, such as \"liar\" or \"failure\".",
    Distortion.PERSONALISATION: "Taking something as being about you, or your fault, when it mostly is not.",
}


def _today() -> datetime.date:
    return timezone.localdate()


def text_field(label: str, *, required: bool = False, rows: int = 3, help_text: str = "", required_message: str = "",
          max_length: int = SHORT_TEXT_MAX) -> forms.CharField:
    messages = {"max_length": f"Use at most {max_length:,} characters."}
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text, error_messages=messages,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def rating_field(label: str, *, required: bool = False, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=RATING_MIN, max_value=RATING_MAX, help_text=help_text,
        widget=forms.NumberInput(attrs={"min": RATING_MIN, "max": RATING_MAX, "step": 1, "inputmode": "numeric"}),
        error_messages={"required": RATING_MESSAGE, "invalid": RATING_MESSAGE, "min_value": RATING_MESSAGE,
                        "max_value": RATING_MESSAGE},
    )


def date_field(label: str, *, required: bool = True, initial: Any = None, help_text: str = "",
               what: str = "the date") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, initial=initial, widget=DateInput(), help_text=help_text,
        error_messages={"required": f"Enter {what}.",
                        "invalid": f"Enter {what} as a real date, for example 2026-03-14."},
    )


def _partner_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=PartnerPosition.choices,
                             error_messages={"required": "Choose the partner.",
                                             "invalid_choice": "Choose Partner A or Partner B."})


def _not_in_future(value: datetime.date | None, message: str) -> datetime.date | None:
    if value and value > timezone.localdate():
        raise ValidationError(message)
    return value


class DistortionCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes whose "label for" is the first box, so the error summary can link to the group."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return super().id_for_label(id_, index if index is not None else "0")


class CBTForm(forms.Form):
    """Base: the hidden `version` (required when editing) and the partner choice."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1,
                                 error_messages={"required": STALE_FORM, "invalid": STALE_FORM,
                                                 "min_value": STALE_FORM})
    model_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing

    def to_fields(self) -> dict[str, Any]:
        """The cleaned values under the model's field names, for the service."""
        return {name: self.cleaned_data.get(name) for name in self.model_fields}

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.model_fields}
        initial["version"] = record.version
        return initial


def feed_objectives(objectives: Iterable[Objective], kind: str, partner: str | None = None) -> list[Objective]:
    """The objectives a thought record ("thought-record") or behavioural experiment ("experiment") can feed:
    those whose data source is that kind of entry, for the entry's partner (when known) or both."""
    sources = THOUGHT_SOURCES if kind == "thought-record" else (ObjectiveDataSource.EXPERIMENT_CONFIRMED,)
    return [objective for objective in objectives if objective.data_source in sources
            and (partner is None or objective.who in (PartnerScope.BOTH, partner))]


class FeedsObjective(forms.Form):
    """The "objective it feeds" choice of a thought record or experiment (its value then appears on that
    objective's progress chart; plans.services.progress.objective_feed_sync)."""

    feed_kind = ""

    def __init__(self, *args: Any, objectives: Iterable[Objective] = (), current_lineage: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        eligible = feed_objectives(objectives, self.feed_kind)
        choices = [("", "None: it does not feed an objective")]
        choices += [(str(o.lineage), f"{objective_label(o)} · {o.get_who_display()}") for o in eligible]
        if current_lineage is not None and str(current_lineage) not in {str(o.lineage) for o in eligible}:
            choices.append((str(current_lineage), "An objective it fed earlier (its data source has changed, or "
                                                  "it is of an earlier plan version)"))
        self.fields["objective_lineage"] = forms.ChoiceField(
            label="Objective it feeds", required=False, choices=choices,
            help_text="Only objectives whose values come from this kind of entry are listed (set on the plan). "
                      "The value goes on the partner's own line of the chart.",
            error_messages={"invalid_choice": "Choose one of the objectives listed."},
        )

    def clean_objective_lineage(self) -> uuid.UUID | None:
        value = self.cleaned_data.get("objective_lineage")
        return uuid.UUID(value) if value else None

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_from(record)  # type: ignore[misc]
        initial["objective_lineage"] = str(record.objective_lineage) if record.objective_lineage else ""
        return initial


class ThoughtRecordForm(FeedsObjective, CBTForm):
    partner = _partner_field("Whose thought record")
    occurred_on = date_field("Date of the situation", initial=_today, what="the date of the situation")
    situation = text_field("Situation", required=True,
                      help_text="Where, when, who was there and what happened, as plainly as possible.",
                      required_message="Describe the situation.")
    automatic_thought = text_field("Automatic thought", required=True,
                              help_text="What went through their mind, in their words, e.g. \"she is hiding "
                                        "something from me\".",
                              required_message="Write down the automatic thought.")
    evidence_for = text_field("Evidence for the thought", help_text="Facts that support it (not feelings).")
    evidence_against = text_field("Evidence against the thought", help_text="Facts that do not fit it.")
    balanced_thought = text_field("Balanced thought",
                             help_text="A fairer way to see the situation, taking all the evidence into account.")
    balanced_belief = rating_field("Belief in the balanced thought (0-100)",
                                   help_text="How much they believe the balanced thought: 0 not at all, 100 "
                                             "completely.")
    belief_before = rating_field("Belief in the automatic thought at the time (0-100)",
                                 help_text="How much they believed the automatic thought when it came.")
    belief_after = rating_field("Belief in the automatic thought now (0-100)",
                                help_text="Re-rated after weighing the evidence and writing the balanced thought.")
    distortions = forms.MultipleChoiceField(
        label="Cognitive distortions (thinking traps)", required=False, choices=Distortion.choices,
        widget=DistortionCheckboxes,
        error_messages={"invalid_choice": "Choose distortions from the list."},
    )
    model_fields = ("partner", "occurred_on", "situation", "moods", "automatic_thought", "evidence_for",
                    "evidence_against", "balanced_thought", "balanced_belief", "distortions", "belief_before",
                    "belief_after", "objective_lineage")
    feed_kind = "thought-record"

    def __init__(self, *args: Any, mood_rows: int = MOOD_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mood_count = max(mood_rows, MOOD_ROWS)
        for number in range(1, self.mood_count + 1):
            self.fields[f"mood_{number}"] = forms.CharField(
                label=f"Mood {number}", required=False, max_length=MOOD_NAME_MAX,
                help_text="One word, e.g. anxious, angry, hurt." if number == 1 else "",
                error_messages={"max_length": f"Use at most {MOOD_NAME_MAX} characters for a mood."},
            )
            self.fields[f"mood_{number}_before"] = rating_field(f"Mood {number}: strength before (0-100)")
            self.fields[f"mood_{number}_after"] = rating_field(f"Mood {number}: re-rated after (0-100)")
        mood_fields = [f"mood_{n}{suffix}" for n in range(1, self.mood_count + 1)
                       for suffix in ("", "_before", "_after")]
        self.order_fields(["version", "partner", "occurred_on", "situation", *mood_fields])

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_from(record)
        for number, mood in enumerate(record.moods or [], start=1):
            initial[f"mood_{number}"] = mood.get("mood", "")
            initial[f"mood_{number}_before"] = mood.get("before")
            initial[f"mood_{number}_after"] = mood.get("after")
        return initial

    def mood_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"mood_{n}"], self[f"mood_{n}_before"], self[f"mood_{n}_after"])
                for n in range(1, self.mood_count + 1)]

    def distortion_options(self) -> list[tuple[Any, str]]:
        return [(option, DISTORTION_HINTS[option.data["value"]]) for option in self["distortions"]]

    def clean_occurred_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("occurred_on"),
                              "The date of the situation cannot be in the future.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        moods = []
        for number in range(1, self.mood_count + 1):
            name_key, before_key, after_key = f"mood_{number}", f"mood_{number}_before", f"mood_{number}_after"
            if any(key in self.errors for key in (name_key, before_key, after_key)):
                continue
            name = (data.get(name_key) or "").strip()
            before, after = data.get(before_key), data.get(after_key)
            if not name and before is None and after is None:
                continue
            if not name:
                self.add_error(name_key, "Name the mood you rated.")
            elif before is None:
                self.add_error(before_key, "Rate how strong the mood was before, from 0 to 100.")
            else:
                moods.append({"mood": name, "before": before, "after": after})
        if not moods and not any(key.startswith("mood_") for key in self.errors):
            self.add_error("mood_1", "Name at least one mood and rate how strong it was (0 to 100).")
        data["moods"] = moods
        return data


class ExperimentForm(FeedsObjective, CBTForm):
    CONFIRMED = (("", "Not known yet"), ("yes", "Yes: it happened as predicted"),
                 ("no", "No: it did not happen as predicted"))

    partner = _partner_field("Whose experiment")
    planned_on = date_field("Date of the experiment", initial=_today, what="the date of the experiment",
                            help_text="May be a future date while the experiment is only planned.")
    prediction = text_field("Prediction", required=True,
                       help_text="What they expect will happen, e.g. \"if I don't text back within an hour, "
                                 "he will be angry\".",
                       required_message="Write down the prediction.")
    belief_before = rating_field("Belief in the prediction before (0-100)", required=True)
    experiment = text_field("What was done", help_text="The experiment as it was carried out.")
    outcome = text_field("Outcome", help_text="What actually happened.")
    belief_after = rating_field("Belief in the prediction after (0-100)")
    learned = text_field("What was learned")
    prediction_confirmed = forms.ChoiceField(
        label="Did the prediction come true?", required=False, choices=CONFIRMED,
        error_messages={"invalid_choice": "Choose yes, no or not known yet."},
    )
    model_fields = ("partner", "planned_on", "prediction", "belief_before", "experiment", "outcome",
                    "belief_after", "learned", "prediction_confirmed", "objective_lineage")
    feed_kind = "experiment"

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_from(record)
        initial["prediction_confirmed"] = {True: "yes", False: "no"}.get(record.prediction_confirmed, "")
        return initial

    def clean_prediction_confirmed(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get("prediction_confirmed") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        done = data.get("belief_after") is not None or data.get("outcome") or data.get("learned") or \
            data.get("prediction_confirmed") is not None
        planned_on = data.get("planned_on")
        if done and planned_on and planned_on > timezone.localdate():
            self.add_error("planned_on",
                           "An experiment with an outcome has happened: its date cannot be in the future.")
        return data


def default_log_objective(objectives: Iterable[Objective]) -> Objective | None:
    """The objective a new log entry feeds by default: the first whose metric mentions checking or
    reassurance."""
    for objective in objectives:
        metric = (objective.metric or "").lower()
        if "check" in metric or "reassur" in metric:
            return objective
    return None


class CheckingLogForm(CBTForm):
    RESISTED = (("", "Choose…"), ("yes", "Yes: the urge was resisted"), ("no", "No: acted on the urge"))

    partner = _partner_field("Whose urge")
    occurred_on = date_field("Date", initial=_today, what="the date of the urge")
    kind = forms.ChoiceField(label="Kind", choices=CheckingKind.choices, initial=CheckingKind.CHECKING,
                             error_messages={"invalid_choice": "Choose checking or reassurance seeking."})
    trigger = text_field("Trigger", rows=2, help_text="What set off the urge, e.g. a late reply, a new colleague.")
    resisted = forms.ChoiceField(label="Was the urge resisted?", choices=RESISTED,
                                 error_messages={"required": "Say whether the urge was resisted.",
                                                 "invalid_choice": "Say whether the urge was resisted."})
    objective_lineage = forms.ChoiceField(
        label="Objective it counts towards", required=False,
        help_text="Each week's number of urges not resisted becomes a value of this objective.",
        error_messages={"invalid_choice": "Choose one of this couple's objectives."},
    )
    model_fields = ("partner", "occurred_on", "kind", "trigger", "resisted", "objective_lineage")

    def __init__(self, *args: Any, objectives: list[Objective], current_lineage: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "None: it does not count towards an objective")]
        choices += [(str(objective.lineage), objective_label(objective)) for objective in objectives]
        known = {str(objective.lineage) for objective in objectives}
        if current_lineage is not None and str(current_lineage) not in known:
            choices.append((str(current_lineage), "An objective of an earlier plan version"))
        self.fields["objective_lineage"].choices = choices
        if not self.is_bound and "objective_lineage" not in self.initial:
            default = default_log_objective(objectives)
            self.initial["objective_lineage"] = str(default.lineage) if default else ""

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = super().initial_from(record)
        initial["resisted"] = "yes" if record.resisted else "no"
        initial["objective_lineage"] = str(record.objective_lineage) if record.objective_lineage else ""
        return initial

    def clean_occurred_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("occurred_on"), "The date of the urge cannot be in the future.")

    def clean_resisted(self) -> bool:
        return self.cleaned_data["resisted"] == "yes"

    def clean_objective_lineage(self) -> uuid.UUID | None:
        value = self.cleaned_data.get("objective_lineage")
        return uuid.UUID(value) if value else None


class HomeworkForm(CBTForm):
    partner = forms.ChoiceField(label="For", choices=PartnerScope.choices, initial=PartnerScope.BOTH,
                                error_messages={"required": "Choose who the homework is for.",
                                                "invalid_choice": "Choose Partner A, Partner B or both."})
    assigned_on = date_field("Set on", initial=_today, what="the date it was set")
    due_on = date_field("Due by", required=False, what="the due date", help_text="Leave empty if there is none.")
    description = text_field("Homework", required=True, help_text="What they agreed to do between sessions.",
                        required_message="Describe the homework.")
    status = forms.ChoiceField(label="Status", choices=HomeworkStatus.choices, initial=HomeworkStatus.ASSIGNED,
                               error_messages={"invalid_choice": "Choose one of the statuses."})
    reviewed_on = date_field("Reviewed on", required=False, what="the review date",
                             help_text="Leave empty to use today once the status is no longer \"Assigned\".")
    review_note = text_field("Review note", help_text="How it went, and what got in the way.")
    model_fields = ("partner", "assigned_on", "due_on", "description", "status", "reviewed_on", "review_note")

    def clean_assigned_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("assigned_on"), "The date it was set cannot be in the future.")

    def clean_reviewed_on(self) -> datetime.date | None:
        return _not_in_future(self.cleaned_data.get("reviewed_on"), "The review date cannot be in the future.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assigned, due, reviewed = data.get("assigned_on"), data.get("due_on"), data.get("reviewed_on")
        if assigned and due and due < assigned:
            self.add_error("due_on", "The due date cannot be before the date it was set.")
        if assigned and reviewed and reviewed < assigned:
            self.add_error("reviewed_on", "The review date cannot be before the date it was set.")
        return data


FORMS: dict[str, type[CBTForm]] = {
    "thought-record": ThoughtRecordForm,
    "experiment": ExperimentForm,
    "checking": CheckingLogForm,
    "homework": HomeworkForm,
}


class DeleteLogEntryForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, delete this entry", error_messages={"required": "Tick the box to confirm the deletion."},
    )
