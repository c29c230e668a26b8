"""Action plans of member companies (drawn up with a partner NGO), training sessions and training modules.
Writes go through ``services``; a plan is confidential to its company and its partner NGO's analysts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wildwatch.hub.accounts.models import Organisation
from wildwatch.hub.accounts.roles import PlatformType


class ItemStatus(models.TextChoices):
    TODO = "todo", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ItemSource(models.TextChoices):
    TEMPLATE = "template", _("Template")
    ASSESSMENT = "assessment", _("Assessment")
    CUSTOM = "custom", _("Added")


class ActionPlan(models.Model):
    """The action plan of one member company for one platform type, drawn up with one partner NGO."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="action_plans")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="partner_plans")
    platform_type = models.CharField(max_length=20, choices=PlatformType.choices)
    #: the vulnerability assessment: {question key: answer} (see ``templates_data.ASSESSMENT``)
    assessment = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "platform_type"]
        constraints = [models.UniqueConstraint(fields=["organisation", "platform_type"], name="unique_action_plan")]

    def __str__(self) -> str:
        return f"{self.organisation.slug} ({self.platform_type})"


class PlanItem(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    #: the key of the template or assessment item it came from ("" for an item added by hand)
    key = models.CharField(max_length=60, blank=True)
    source = models.CharField(max_length=20, choices=ItemSource.choices, default=ItemSource.CUSTOM)
    #: stored in English for template items (shown through the catalogs), as written otherwise
    title = models.CharField(max_length=300)
    owner = models.CharField(max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ItemStatus.choices, default=ItemStatus.TODO)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="unique_plan_item_position")]

    def __str__(self) -> str:
        return self.title[:60]


class ProgressSnapshot(models.Model):
    """The progress of a plan at one moment: recorded at its creation and on every status change."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField()
    taken_at = models.DateTimeField(auto_now_add=True)
    done = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_at", "id"]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class TrainingSession(models.Model):
    """A training session given to a member company's staff."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="training_sessions",
                                     help_text="the member company trained")
    date = models.DateField(db_index=True)
    topic = models.CharField(max_length=200)
    trainer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="trainings_given",
                                help_text="the organisation that gave the training")
    staff_trained = models.PositiveIntegerField()
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.organisation.slug}: {self.topic}"


class ModuleKind(models.TextChoices):
    GUIDE = "guide", _("Identification guide")
    QUIZ = "quiz", _("Quiz")


class TrainingModule(models.Model):
    """A species-identification guide (plain paragraphs in English and French) or a quiz of the training app."""

    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=10, choices=ModuleKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    title_fr = models.CharField(max_length=200, blank=True)
    #: plain paragraphs separated by blank lines (no markup)
    body = models.TextField(blank=True)
    body_fr = models.TextField(blank=True)
    quiz = models.ForeignKey("training.Quiz", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "slug"]
        constraints = [models.CheckConstraint(
            condition=models.Q(kind="guide") | models.Q(quiz__isnull=False), name="quiz_module_has_quiz")]

    def __str__(self) -> str:
        return self.slug


class ModuleCompletion(models.Model):
    """A person completed a module: read a guide, or passed its quiz (the first passing attempt)."""

    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attempt = models.ForeignKey("training.Attempt", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["module", "user"], name="unique_module_completion")]
