"""Production settings for the load benchmark's server, with one exception.

Everything comes from `casecast.settings` with DEBUG off (the bench sets the
environment), except the static files storage: the manifest storage needs
`collectstatic`, which the benchmark does not run (the client never asks for
static files, and a shared checkout's `staticfiles/` should not be rewritten
by a benchmark). WhiteNoise still serves the same files without the manifest.
"""

from casecast.settings import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
