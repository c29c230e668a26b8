"""What the API stores of its own: the first response to each idempotent request."""

from __future__ import annotations

from django.db import models

from wildwatch.hub.accounts.models import ApiKey


class IdempotentResponse(models.Model):
    """The response first given to (key, ``Idempotency-Key``): a retry gets it again and writes nothing."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    #: SHA-256 of the endpoint and the request body: the same key with another request is refused
    request_hash = models.CharField(max_length=64, blank=True, default="")
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="unique_idempotency_key")]
