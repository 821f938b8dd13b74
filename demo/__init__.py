"""The demo data set and `python manage.py load_demo`, which plays it through the services.

A project-level Django app, installed only for its management command: it has no models,
views or URLs, and it is not part of the installed package (pyproject.toml lists the apps
that are), so a deployment from a wheel has no demo to load by mistake. Its content is data:
demo/data/ holds the people, the issuer, the rubrics and the application scenarios (TOML,
and the skills catalogue as CSV), demo/assets/ the images and PDFs they upload.
"""
