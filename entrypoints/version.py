"""The service's version, written here only: pyproject.toml reads it at build time, the app at run time.

A module rather than importlib.metadata, so an editable install never reports the version it was installed at.
"""

from __future__ import annotations

# PEP 440. Between releases it names the next release with .dev0; RELEASING in CHANGELOG.md says how to cut
# one.
__version__ = "0.5.0.dev0"
