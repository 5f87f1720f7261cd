"""The web playground: ``alignment-runway serve`` (FastAPI) over the API and views.

``create_app()`` builds the app: JSON endpoints that answer with the views' ``to_json()``
documents, computed in a small pool of worker processes within ``Limits``, and the page
(``static/``: plain HTML, CSS and JavaScript, with Plotly.js from the installed ``plotly``).
"""

from alignment_runway.web.app import create_app
from alignment_runway.web.limits import Limits

__all__ = ["Limits", "create_app"]
