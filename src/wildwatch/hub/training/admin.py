from django.contrib import admin

from .models import Attempt, Choice, Question, Quiz


class QuestionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Question
    extra = 0


class ChoiceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Choice
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("slug", "title", "pass_mark", "active")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("quiz", "position", "text")
    list_filter = ("quiz",)
    inlines = [ChoiceInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("submitted_at", "user", "quiz", "score", "total", "passed")
    list_filter = ("quiz", "passed")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
