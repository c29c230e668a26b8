"""The API's URLs, mounted by the hub at ``/api/v1/`` in the ``api`` namespace."""

from .api import api

urlpatterns = api.urls[0]
