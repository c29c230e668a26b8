"""The classifier the next releases ship: analysts upload a model artefact (checked before it is kept), choose
what it may do, or stop shipping it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wildwatch.hub.accounts.permissions import roles_required
from wildwatch.hub.accounts.roles import COALITION

from ..services import release_model

#: the largest artefact accepted
MAX_BYTES = 50 * 1024 * 1024


class ModelForm(forms.Form):
    artefact = forms.FileField(label=gettext_lazy("Model artefact (wildwatch model train -o …)"), required=False)
    may_block = forms.BooleanField(label=gettext_lazy("The model may turn a rules review into a block"),
                                   required=False)
    may_clear = forms.BooleanField(label=gettext_lazy("The model may turn a rules review into an allow"),
                                   required=False)


@roles_required(COALITION)
def release_model_page(request: HttpRequest) -> HttpResponseBase:
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            release_model.clear_model(actor=request.user)
            messages.success(request, _("The next releases ship no model."))
            return redirect("library:model")
        form = ModelForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("artefact")
            block, clear = form.cleaned_data["may_block"], form.cleaned_data["may_clear"]
            try:
                if upload is not None:
                    if upload.size > MAX_BYTES:
                        raise release_model.ModelError(_("The artefact is over 50 MB."))
                    release_model.set_model(upload.read(), may_block=block, may_clear=clear, actor=request.user)
                else:
                    release_model.set_settings(may_block=block, may_clear=clear, actor=request.user)
            except release_model.ModelError as exc:
                messages.error(request, str(exc))
                return render(request, "library/release_model.html",
                              {"form": form, "model": release_model.current(), "is_analyst": True}, status=422)
            messages.success(request, _("The next releases ship this model with these settings."))
            return redirect("library:model")
    current = release_model.current()
    settings = (current or {}).get("settings", {})
    form = ModelForm(initial={"may_block": settings.get("model_may_block", False),
                              "may_clear": settings.get("model_may_clear", False)})
    return render(request, "library/release_model.html", {"form": form, "model": current, "is_analyst": True})
