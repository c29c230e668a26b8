"""The quiz of the volunteer programme, "cyber-spotter-basics" (its content is in ``training.content``)."""

from django.db import migrations


def install(apps, schema_editor):
    from wildwatch.hub.training.content import CYBER_SPOTTER_BASICS, install

    install(CYBER_SPOTTER_BASICS, apps.get_model("training", "Quiz"), apps.get_model("training", "Question"),
            apps.get_model("training", "Choice"))


def remove(apps, schema_editor):
    apps.get_model("training", "Quiz").objects.filter(slug="cyber-spotter-basics").delete()


class Migration(migrations.Migration):

    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
