"""The hub's settings plus the fault-injection app (fault_hooks), for subprocesses started by the fault tests."""

from wildwatch.hub.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "fault_hooks.FaultHooksConfig"]  # noqa: F405
