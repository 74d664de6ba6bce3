"""orgs models, by sub-domain: the tree, roles and employers (``base``), 职工之家 ratings and their
workflow (``homes``), volunteers (``volunteers``). Import them from ``yugong.orgs.models``."""

from .base import (
    PATH_STEP,
    Employer,
    Industry,
    RoleAssignment,
    ServedForm,
    Union,
    UnionEvent,
    path_segment,
    validate_uscc,
)
from .homes import (
    LEVEL_ORDER,
    HomeApplication,
    HomeCriterion,
    HomeKind,
    HomeLevel,
    HomeNationalNomination,
    HomeRating,
    HomeReview,
    HomeScore,
    HomeScoreSheet,
)
from .volunteers import (
    ServiceActivity,
    ServiceRecord,
    ServiceSignup,
    Specialty,
    Volunteer,
    VolunteerTeam,
)

__all__ = [
    "LEVEL_ORDER",
    "PATH_STEP",
    "Employer",
    "HomeApplication",
    "HomeCriterion",
    "HomeKind",
    "HomeLevel",
    "HomeNationalNomination",
    "HomeRating",
    "HomeReview",
    "HomeScore",
    "HomeScoreSheet",
    "Industry",
    "RoleAssignment",
    "ServedForm",
    "ServiceActivity",
    "ServiceRecord",
    "ServiceSignup",
    "Specialty",
    "Union",
    "UnionEvent",
    "Volunteer",
    "VolunteerTeam",
    "path_segment",
    "validate_uscc",
]
