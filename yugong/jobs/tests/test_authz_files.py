"""Authorization rows for résumé files and fair check-in: a worker's file is theirs (anyone else
404), an employer's view goes only through an intent to that employer (nobody in the matrix is a
recruiter: 404), check-in needs a sign-in, and the venue's QR code is for managing staff over the
fair (viewer and hotline 404, like the other fair pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile

from tests.helpers import UserFactory
from yugong.core import timeutil
from yugong.jobs.models import Intent, JobFair, Resume
from yugong.jobs.services.files import checkin_token
from yugong.orgs.tests.authz import MANAGE, Route, World, cases, check, module_world

from .test_authz import _build


def _build_files() -> World:
    world = _build()
    now = timeutil.now()
    for where in ("inside", "outside"):
        someone = UserFactory()
        resume = Resume(
            user=someone, title="简历", name="张三", phone="13800138000", phone_masked="138****8000"
        )
        resume.file.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=False)
        resume.file_name, resume.file_type, resume.file_size = "cv.pdf", "application/pdf", 11
        resume.save()
        world.objects[("resume", where)] = resume
        world.objects[("intent", where)] = Intent.objects.create(
            post=world.obj("post_pub", where), resume=resume, worker=someone
        )
        world.objects[("fair_pub", where)] = JobFair.objects.create(
            union=world.obj("district", where), kind="onsite", title="现场招聘会", venue="人力资源市场",
            starts_at=now + dt.timedelta(days=1), ends_at=now + dt.timedelta(days=1, hours=3),
            status="published", created_by=world.users["chair"],
        )  # fmt: skip
    return world


files_world = module_world(_build_files)


def _everyone(status: int) -> Any:
    return lambda actor, where: status


def _signed_in(status: int) -> Any:
    return lambda actor, where: 302 if actor == "anonymous" else status


def _token(w: World, where: str) -> dict[str, Any]:
    return {"k": checkin_token(w.obj("fair_pub", where))}


ROUTES = [
    Route("h5 another's resume file", "GET", lambda w, x: f"/jobs/resumes/{w.pk('resume', x)}/file/", set(),
          expect=_signed_in(404)),
    Route("h5 upload to another's resume", "POST", lambda w, x: f"/jobs/resumes/{w.pk('resume', x)}/file/",
          set(), expect=_signed_in(404), data=lambda w, x: {"action": "upload"}),
    Route("employer resume file (not a recruiter)", "GET",
          lambda w, x: f"/jobs/employer/{w.pk('employer', x)}/intents/{w.pk('intent', x)}/resume-file/",
          set(), expect=_everyone(404)),
    Route("h5 fair checkin page", "GET", lambda w, x: f"/jobs/fairs/{w.pk('fair_pub', x)}/checkin/", set(),
          expect=_signed_in(200), data=_token),
    Route("h5 fair checkin before opening", "POST",
          lambda w, x: f"/jobs/fairs/{w.pk('fair_pub', x)}/checkin/", set(), expect=_signed_in(409), data=_token),
    Route("h5 fair checkin forged code", "GET", lambda w, x: f"/jobs/fairs/{w.pk('fair_pub', x)}/checkin/",
          set(), expect=_signed_in(404), data=lambda w, x: {"k": "forged"}),
    Route("console fair qr", "GET", lambda w, x: f"/jobs/console/fairs/{w.pk('fair_pub', x)}/checkin-qr.svg",
          MANAGE, denied=404),
]  # fmt: skip


@pytest.mark.parametrize(("route", "actor", "where"), cases(ROUTES))
def test_jobs_files_authz(
    route: Route, actor: str, where: str, files_world: World, db: Any, client: Any
) -> None:
    check(route, actor, where, files_world, client)
