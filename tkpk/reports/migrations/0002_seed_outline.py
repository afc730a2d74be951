from django.db import migrations


def seed(apps, schema_editor):
    from tkpk.reports.outline import DEFAULT_OUTLINE, DEFAULT_PPKE_QUESTIONS

    Template = apps.get_model("reports", "Lp2kdTemplate")
    Chapter = apps.get_model("reports", "Lp2kdChapter")
    Question = apps.get_model("reports", "PpkeQuestion")
    if not Template.objects.exists():
        template = Template.objects.create(name="Kerangka LP2KD (bawaan)", is_active=True)
        for order, (title, kind, text) in enumerate(DEFAULT_OUTLINE, start=1):
            Chapter.objects.create(template=template, order=order, title=title, kind=kind, text=text)
    if not Question.objects.exists():
        for order, text in enumerate(DEFAULT_PPKE_QUESTIONS, start=1):
            Question.objects.create(order=order, text=text)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
