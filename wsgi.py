"""The only module gunicorn imports: `gunicorn wsgi:app`."""

from api import create_app

app = create_app()
