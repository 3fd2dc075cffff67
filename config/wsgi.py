import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

# Imported once Django is set up (it reads models). Pages kept for readers not logged in
# are served from here, before Django's handler runs.
from config.page_cache import FinishedPageCache  # noqa: E402

application = FinishedPageCache(django_application)
