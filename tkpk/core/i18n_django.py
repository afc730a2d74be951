"""Django's own texts that its Indonesian catalogue does not translate yet.

Listed here so `makemessages` keeps them in our catalogue, which Django reads first
(LOCALE_PATHS): e.g. the empty choice of model select fields, new in Django 6.
"""

from django.utils.translation import gettext_noop

DJANGO_TEXTS = (gettext_noop("- Select an option -"),)
