"""The log counter's one row, so that every writer can lock it (``services._lock_log``)."""

from typing import Any

from django.db import migrations


def create_row(apps: Any, schema_editor: Any) -> None:
    apps.get_model("signals", "LogCounter").objects.get_or_create(pk=1, defaults={"last": 0})


class Migration(migrations.Migration):
    dependencies = [("signals", "0001_initial")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
