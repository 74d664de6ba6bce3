"""The contests API router (every operation of api/quiz.py and api/skills.py is on it)."""

from ninja import Router

router = Router(tags=["contests"])
