"""The training modules that ship with wildwatch: a pangolin identification guide and the quiz
"platform-policy-basics" (content in ``plans.content``)."""

from django.db import migrations


def install(apps, schema_editor):
    from wildwatch.hub.plans.content import install_modules

    install_modules(apps.get_model("plans", "TrainingModule"), apps.get_model("training", "Quiz"),
                    apps.get_model("training", "Question"), apps.get_model("training", "Choice"))


def remove(apps, schema_editor):
    apps.get_model("plans", "TrainingModule").objects.filter(
        slug__in=["identify-pangolin-products", "platform-policy-basics"]).delete()
    apps.get_model("training", "Quiz").objects.filter(slug="platform-policy-basics").delete()


class Migration(migrations.Migration):

    dependencies = [("plans", "0001_initial"), ("training", "0002_cyber_spotter_basics")]

    operations = [migrations.RunPython(install, remove)]
