import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suiban.settings")
application = get_wsgi_application()

from suiban.core.security_checks import refuse_development_keys  # noqa: E402

refuse_development_keys()  # SEC-4: never serve on the development keys with DEBUG off
