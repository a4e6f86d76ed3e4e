"""Library sources, the forgiveness-based affair-recovery approach, and the library items added in issue 11.

Existing practices' libraries are brought up to date by slug, idempotently (running it twice changes
nothing): items a practice lacks are added; an empty `source` is filled in; the forgiveness item, if still
labelled "eft" (it is Gordon, Baucom & Snyder's forgiveness-based intervention for affair recovery, not
EFT), gets the "forgiveness" approach, and its description only if it is still the old default wording.
Text a practice has edited is never overwritten. Practices with no library yet get the whole current
library on first use (plans.services.library.ensure_practice_library). Plans already built keep their copies.
"""

from django.db import migrations, models

FORGIVENESS_SLUG = "intervention-forgiveness-work"
OLD_FORGIVENESS_DESCRIPTION = (
    "Help the hurt partner explore what forgiving would and would not mean, and the other partner take "
    "responsibility without minimising, at a pace both can manage."
)


def update_libraries(apps, schema_editor):
    # The current default library: only the fields this migration's model state has are used.
    from plans.library_data import default_items

    LibraryItem = apps.get_model("plans", "LibraryItem")
    fields = {field.name for field in LibraryItem._meta.get_fields()}
    defaults = {item["slug"]: {k: v for k, v in item.items() if k in fields} for item in default_items()}
    practice_ids = set(LibraryItem.objects.values_list("practice_id", flat=True).distinct())
    for practice_id in practice_ids:
        existing = {item.slug: item for item in LibraryItem.objects.filter(practice_id=practice_id)}
        missing = [LibraryItem(practice_id=practice_id, **values) for slug, values in defaults.items()
                   if slug not in existing]
        LibraryItem.objects.bulk_create(missing, ignore_conflicts=True)
        for slug, item in existing.items():
            changed = []
            if slug in defaults and not item.source and defaults[slug].get("source"):
                item.source = defaults[slug]["source"]
                changed.append("source")
            if slug == FORGIVENESS_SLUG and item.approach == "eft":
                item.approach = "forgiveness"
                changed.append("approach")
                if item.description == OLD_FORGIVENESS_DESCRIPTION:
                    item.description = defaults[slug]["description"]
                    changed.append("description")
            if changed:
                item.save(update_fields=changed)


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0005_measure_partial_forms'),
    ]

    operations = [
        migrations.AddField(
            model_name='libraryitem',
            name='source',
            field=models.TextField(blank=True, help_text='Published sources this item is based on.'),
        ),
        migrations.AlterField(
            model_name='intervention',
            name='approach',
            field=models.CharField(choices=[('cbt', 'Cognitive behavioural therapy'), ('communication', 'Couples communication training'), ('eft', 'Emotionally focused work'), ('gottman', 'Gottman method'), ('psychoeducation', 'Psychoeducation'), ('forgiveness', 'Forgiveness-based affair recovery (Gordon, Baucom & Snyder)'), ('other', 'Other')], default='cbt', max_length=20),
        ),
        migrations.AlterField(
            model_name='libraryitem',
            name='approach',
            field=models.CharField(blank=True, choices=[('cbt', 'Cognitive behavioural therapy'), ('communication', 'Couples communication training'), ('eft', 'Emotionally focused work'), ('gottman', 'Gottman method'), ('psychoeducation', 'Psychoeducation'), ('forgiveness', 'Forgiveness-based affair recovery (Gordon, Baucom & Snyder)'), ('other', 'Other')], max_length=20),
        ),
        migrations.RunPython(update_libraries, migrations.RunPython.noop),
    ]
