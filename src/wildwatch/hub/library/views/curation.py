"""The curation pages: propose a change, the pending proposals, decide one, and bulk import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION

from .. import bulk, curation
from ..forms import DecisionForm, ImportForm, ProposeForm, TermFieldsForm
from ..models import Proposal, Term
from ..services import EDITABLE_FIELDS
from .common import audit_view


def _term_or_none(value: Any) -> Term | None:
    try:
        return Term.objects.select_related("taxon").filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        return None


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


@roles_required(COALITION)
def propose(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        form = ProposeForm(request.POST)
        fields = TermFieldsForm(request.POST)
        target = _term_or_none(request.POST.get("term_pk"))
    else:
        target = _term_or_none(request.GET.get("term"))
        action = request.GET.get("action") or (Proposal.Action.EDIT if target else Proposal.Action.ADD)
        form = ProposeForm(initial={"action": action, "term_pk": target.pk if target else None})
        fields = TermFieldsForm(initial=TermFieldsForm.initial_for(target) if target else {})
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        needs_fields = action != Proposal.Action.RETIRE
        if not needs_fields or fields.is_valid():
            try:
                made = curation.propose(action, actor=request.user, term=target,
                                        payload=fields.payload() if needs_fields else None,
                                        comment=form.cleaned_data["comment"] or "")
            except ValidationError as exc:
                _add_errors(fields, exc)
            except curation.CurationError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Proposal saved: a second analyst must now approve it."))
                return redirect("library:proposal", proposal_id=made.pk)
    if target is not None:
        audit_view(request, target.term_id, term=target.term, lang=target.lang)
    return render(request, "library/propose.html", {"form": form, "fields": fields, "target": target})


@roles_required(COALITION)
def proposals(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or Proposal.State.PENDING
    if state not in Proposal.State.values:
        state = Proposal.State.PENDING
    rows = list(Proposal.objects.filter(state=state).select_related("term", "proposed_by", "decided_by")[:500])
    audit_view(request, "proposals", state=state, proposals=[p.pk for p in rows])
    return render(request, "library/proposals.html", {"proposals": rows, "state": state,
                                                      "states": Proposal.State.choices})


def _changes(item: Proposal) -> list[tuple[str, Any, Any]]:
    """(field, current value, proposed value) for the proposal's fields."""
    current = curation.clean_payload({f: getattr(item.term, f) for f in EDITABLE_FIELDS}) \
        if item.term is not None else {}
    return [(f, current.get(f, ""), v) for f, v in item.payload.items()]


@roles_required(COALITION)
def proposal(request: HttpRequest, proposal_id: int) -> HttpResponseBase:
    item = get_object_or_404(Proposal.objects.select_related("term", "proposed_by", "decided_by"), pk=proposal_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"] or ""
        try:
            if form.cleaned_data["decision"] == "approve":
                curation.approve(item, actor=request.user, comment=comment)
                messages.success(request, _("Proposal approved and applied."))
            else:
                curation.reject(item, actor=request.user, comment=comment)
                messages.success(request, _("Proposal rejected."))
        except ValidationError as exc:
            form.add_error(None, curation.error_messages(exc))
        except curation.CurationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("library:proposal", proposal_id=item.pk)
    audit_view(request, f"proposal {item.pk}", proposal=item.pk)
    return render(request, "library/proposal.html", {
        "proposal": item, "form": form, "changes": _changes(item),
        "own": item.proposed_by_id == request.user.pk})


@roles_required(COALITION)
def bulk_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result: bulk.BulkResult | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(bulk.MAX_BYTES + 1)
        result = bulk.import_terms_file(data, upload.name or "", actor=request.user, propose=True)
        if result.ok:
            messages.success(request, _("The file was imported: each row is now a proposal to approve."))
    return render(request, "library/import.html", {"form": form, "result": result, "columns": bulk.COLUMNS})
