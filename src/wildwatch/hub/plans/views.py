"""Action-plan pages: the plans one may see, a plan (with item editing for its editors) and a new plan.
A plan that is not one's own is a 404, whatever its id."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import MEMBERS, Role
from wildwatch.hub.accounts.services import roles_of

from . import plan_templates, services
from .forms import AddItemForm, AssessmentForm, ItemForm, NewPlanForm
from .models import ActionPlan, PlanItem

PLAN_ROLES = MEMBERS | {Role.ANALYST}
EDITOR_ROLES = frozenset({Role.MEMBER_ADMIN, Role.ANALYST})


@roles_required(PLAN_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    return render(request, "plans/home.html", {
        "plans": services.with_progress(services.visible_plans(request.user)),
        "can_create": services.analyst_ngos(request.user).exists(),
        "show_sessions": bool(roles & {Role.ANALYST, Role.MEMBER_ADMIN}), "show_modules": bool(roles & MEMBERS)})


def _plan_page(request: HttpRequest, plan: ActionPlan, *, add_form: AddItemForm | None = None,
               bad_item: tuple[int, ItemForm] | None = None, assessment_form: AssessmentForm | None = None,
               status: int = 200) -> HttpResponse:
    editable = services.can_edit(request.user, plan)
    rows = []
    for item in plan.items.all():
        form = None
        if editable:
            form = (bad_item[1] if bad_item and bad_item[0] == item.pk else
                    ItemForm(prefix=f"item{item.pk}", initial={"owner": item.owner, "due_date": item.due_date,
                                                                "status": item.status, "notes": item.notes}))
        rows.append({"item": item, "form": form})
    done, total = services.progress(plan)
    answers = [(q.text, plan.assessment.get(q.key)) for q in plan_templates.ASSESSMENT]
    return render(request, "plans/plan.html", {
        "plan": plan, "rows": rows, "editable": editable, "done": done, "total": total,
        "snapshots": list(plan.snapshots.all()), "answers": answers,
        "add_form": add_form or (AddItemForm() if editable else None),
        "assessment_form": assessment_form or (AssessmentForm(initial=AssessmentForm.initial_for(plan.assessment))
                                               if editable else None)}, status=status)


@roles_required(PLAN_ROLES)
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, services.visible_plan(request.user, pk))


def _editable_plan(request: HttpRequest, pk: int) -> ActionPlan:
    found = services.visible_plan(request.user, pk)
    if not services.can_edit(request.user, found):
        raise PermissionDenied("only the company's member admins and the partner NGO's analysts edit a plan")
    return found


@roles_required(EDITOR_ROLES)
@require_POST
def item(request: HttpRequest, pk: int, item_id: int) -> HttpResponseBase:
    found = _editable_plan(request, pk)
    target = get_object_or_404(PlanItem, pk=item_id, plan=found)
    form = ItemForm(request.POST, prefix=f"item{target.pk}")
    if not form.is_valid():
        return _plan_page(request, found, bad_item=(target.pk, form), status=422)
    services.update_item(target, actor=request.user, **form.cleaned_data)
    messages.success(request, _("The action was saved."))
    return redirect(f"{found_url(found)}#item-{target.pk}")


@roles_required(EDITOR_ROLES)
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = _editable_plan(request, pk)
    form = AddItemForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, found, add_form=form, status=422)
    services.add_item(found, actor=request.user, **form.cleaned_data)
    messages.success(request, _("The action was added to the plan."))
    return redirect(found_url(found))


@roles_required(EDITOR_ROLES)
@require_POST
def assessment(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = _editable_plan(request, pk)
    form = AssessmentForm(request.POST)
    if not form.is_valid():  # pragma: no cover - check boxes are always valid
        return _plan_page(request, found, assessment_form=form, status=422)
    added = services.reassess(found, form.answers(), actor=request.user)
    messages.success(request, ngettext("The assessment was saved; %(count)s action was added.",
                                       "The assessment was saved; %(count)s actions were added.",
                                       len(added)) % {"count": len(added)})
    return redirect(found_url(found))


def found_url(found: ActionPlan) -> str:
    return reverse("plans:plan", args=[found.pk])


@roles_required({Role.ANALYST})
def new(request: HttpRequest) -> HttpResponse:
    partners = services.analyst_ngos(request.user)
    form = NewPlanForm(request.POST or None, partners=partners)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.create_plan(form.cleaned_data["organisation"], form.cleaned_data["partner"],
                                               form.cleaned_data["platform_type"], form.answers(),
                                               actor=request.user)
            except services.PlansError:
                form.add_error(None, _("This company already has a plan for this platform type, or cannot have "
                                       "one."))
            else:
                messages.success(request, _("The plan was created from the template and the assessment."))
                return redirect(found_url(created))
        status = 422
    return render(request, "plans/new.html", {"form": form}, status=status)
