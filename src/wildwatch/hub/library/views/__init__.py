"""The library pages. Thin views: parse, check the role, call a service or a query, render. Every page that shows
confidential library data writes a ``library.view`` audit entry saying what was shown."""

from .candidates import candidate_terms
from .curation import bulk_import, proposal, proposals, propose
from .release_model import release_model_page
from .releases import diff, publish, release, release_download, releases
from .terms import home, term

__all__ = ["bulk_import", "candidate_terms", "diff", "home", "proposal", "proposals", "propose", "publish", "release",
           "release_download", "release_model_page", "releases", "term"]
