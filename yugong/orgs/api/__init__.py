"""The orgs API under /api/v1/orgs/: the union tree, employers, roles, 职工之家 ratings, volunteer
teams and join QR codes. The same services and access layer as the pages: objects outside the
caller's subtree answer 404 like missing ones; a visible object without the right role answers 403.

One router (``common.router``); each sub-module registers its operations on it when imported here.
"""

from . import employers, ratings, roles, service, tree, volunteers
from .common import router

__all__ = ["employers", "ratings", "roles", "router", "service", "tree", "volunteers"]
