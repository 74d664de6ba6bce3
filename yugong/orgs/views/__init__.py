"""Staff console pages for the union tree, employers, roles, 职工之家 ratings and volunteer teams.

Thin edges: every object is fetched through ``orgs.access`` (outside the subtree answers 404 like a
missing object), every write goes through ``orgs.services``; a service's ``ValidationFailed`` is
shown on the form, in Chinese, next to the field. ``orgs/urls.py`` names the sub-module of each page."""
