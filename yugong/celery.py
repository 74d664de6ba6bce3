"""Celery application.

With ``CELERY_BROKER_URL`` set, tasks go to Celery workers; without it the settings switch
Celery to eager mode and the very same task functions run in-process (principle 5).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")

app = Celery("yugong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
