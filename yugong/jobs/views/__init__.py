"""Pages of jobs: worker H5 (``h5``), the employer workbench (``employer``), the staff console
(``console``)."""

from .console import c_employer, c_employers, c_fair_edit, c_fairs, c_post, c_posts
from .employer import e_home, e_intent_action, e_intents, e_post_action, e_post_edit, e_posts
from .files import c_fair_qr, e_resume_file, h5_fair_checkin, h5_resume_file
from .h5 import (
    h5_detail,
    h5_fair,
    h5_fairs,
    h5_intent,
    h5_intent_action,
    h5_list,
    h5_mine,
    h5_resume_edit,
    h5_resumes,
)

__all__ = [
    "c_employer", "c_employers", "c_fair_edit", "c_fair_qr", "c_fairs", "c_post", "c_posts",
    "e_home", "e_resume_file", "h5_fair_checkin", "h5_resume_file", "e_intent_action", "e_intents", "e_post_action", "e_post_edit", "e_posts",
    "h5_detail", "h5_fair", "h5_fairs", "h5_intent", "h5_intent_action", "h5_list", "h5_mine",
    "h5_resume_edit", "h5_resumes",
]  # fmt: skip
