# English pages use British (European) formats: 27/11/2026, 24-hour time, Monday first.
from django.conf.locale.en_GB.formats import *  # noqa: F403
