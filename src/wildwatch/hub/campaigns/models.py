"""Awareness campaigns: a window of dates, the taxa and species groups they are about, and their pop-up message
in several languages. Served by the search-interception API during their window, and shipped in releases."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    #: what the pop-up counts are stored under (``DailyCount.term_id``): never changes once made
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    #: taxon ids of the library (``Taxon.taxon_id``)
    taxa = models.JSONField(default=list, blank=True)
    #: species groups of the library (``Taxon.group``)
    groups = models.JSONField(default=list, blank=True)
    #: language -> {"title": ..., "body": ...}; English is always there
    messages = models.JSONField(default=dict)
    learn_more_url = models.URLField(_("learn-more link"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "end", "slug"]
        indexes = [models.Index(fields=["end", "start"])]

    def __str__(self) -> str:
        return self.name

    @property
    def languages(self) -> list[str]:
        return sorted(self.messages)

    def message(self, lang: str) -> dict[str, Any]:
        return dict(self.messages.get(lang) or self.messages.get("en") or {})
