"""The tourism router (``/api/v1/tourism/``); the operations live in the sibling modules."""

from ninja import Router

router = Router(tags=["tourism"])
