"""Résumé files (type and size checks, private serving, employer views only through an intent and
audited) and check-in at an on-site fair by its QR code (idempotent, counted once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from yugong.core.audit import AuditEvent
from yugong.core.errors import Conflict, NotFound, ValidationFailed
from yugong.core.facts import fact_total
from yugong.core.timeutil import now
from yugong.jobs import services
from yugong.jobs.models import FairCheckin, JobFair
from yugong.jobs.services import files

from .conftest import World, make_fair, make_resume, published_post

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% cv\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"\x00" * 40


def upload(name: str = "简历.pdf", body: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body)


def test_file_type_and_size_are_checked(world: World) -> None:
    resume = make_resume(world.worker)
    for name, body in (("cv.exe", PDF), ("cv.pdf", b"MZ\x90"), ("cv.docx", PDF), ("cv.pdf", b"")):
        with pytest.raises(ValidationFailed) as exc:
            files.resume_file_attach(actor=world.worker, resume_id=resume.pk, upload=upload(name, body))
        assert "file" in exc.value.fields
    big = upload("cv.pdf", PDF + b"0" * files.RESUME_FILE_MAX_BYTES)
    with pytest.raises(ValidationFailed) as exc:
        files.resume_file_attach(actor=world.worker, resume_id=resume.pk, upload=big)
    assert "5MB" in str(exc.value.fields["file"][0])
    done = files.resume_file_attach(actor=world.worker, resume_id=resume.pk, upload=upload("cv.docx", DOCX))
    assert done.file_type.endswith("wordprocessingml.document") and done.file_size == len(DOCX)
    assert done.file.name.startswith("resumes/") and "cv" not in done.file.name  # a random name
    with pytest.raises(NotFound):  # someone else's résumé
        files.resume_file_attach(actor=world.recruiter, resume_id=resume.pk, upload=upload())


def test_file_reaches_only_the_worker_and_employers_applied_to(world: World, client: Client) -> None:
    resume = make_resume(world.worker)
    files.resume_file_attach(actor=world.worker, resume_id=resume.pk, upload=upload())
    post = published_post(world)
    intent = services.intent_send(actor=world.worker, post_id=post.pk, resume_id=resume.pk)
    own = f"/jobs/resumes/{resume.pk}/file/"
    employer_url = f"/jobs/employer/{world.employer.pk}/intents/{intent.pk}/resume-file/"
    other_url = f"/jobs/employer/{world.other_employer.pk}/intents/{intent.pk}/resume-file/"

    client.force_login(world.worker)
    got = client.get(own)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    assert got["Cache-Control"] == "private, no-store"
    assert client.get(employer_url).status_code == 404  # the worker is no recruiter

    client.force_login(world.recruiter)
    assert client.get(own).status_code == 404
    got = client.get(employer_url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    views = AuditEvent.objects.filter(action="pii.view", actor=world.recruiter, object_id=str(resume.pk))
    assert views.count() == 1 and views.get().extra == {"fields": ["file"]}

    # An employer the worker did not apply to: 404 by its own id and by the other employer's.
    client.force_login(world.other_recruiter)
    assert client.get(other_url).status_code == 404
    assert client.get(employer_url).status_code == 404
    assert client.get(own).status_code == 404

    # A withdrawn intent no longer opens the file.
    services.intent_withdraw(actor=world.worker, intent_id=intent.pk)
    client.force_login(world.recruiter)
    assert client.get(employer_url).status_code == 404


def test_worker_page_uploads_and_removes(world: World, client: Client) -> None:
    resume = make_resume(world.worker)
    client.force_login(world.worker)
    client.post(f"/jobs/resumes/{resume.pk}/file/", {"action": "upload", "file": upload()})
    resume.refresh_from_db()
    assert resume.file_name == "简历.pdf"
    page = client.get("/jobs/resumes/").content.decode()
    assert 'data-testid="resume-file"' in page
    bad = client.post(
        f"/jobs/resumes/{resume.pk}/file/", {"action": "upload", "file": upload("x.txt", b"hi")}, follow=True
    )
    assert "PDF 或 Word" in bad.content.decode()
    client.post(f"/jobs/resumes/{resume.pk}/file/", {"action": "remove"})
    resume.refresh_from_db()
    assert not resume.file and resume.file_size == 0


def _onsite_now(world: World) -> JobFair:
    fair = make_fair(world)
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)
    start = now() - dt.timedelta(minutes=30)
    JobFair.objects.filter(pk=fair.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=4))
    fair.refresh_from_db()
    return fair


def test_checkin_is_idempotent_and_counted_once(world: World) -> None:
    fair = make_fair(world)
    services.fair_publish(actor=world.yz_staff, fair_id=fair.pk)
    token = files.checkin_token(fair)
    with pytest.raises(Conflict) as early:  # three days before the fair
        files.fair_checkin(actor=world.worker, fair_id=fair.pk, token=token)
    assert early.value.code == "checkin_closed"
    fair = _onsite_now(world)
    token = files.checkin_token(fair)
    first, created = files.fair_checkin(actor=world.worker, fair_id=fair.pk, token=token)
    again, created_again = files.fair_checkin(actor=world.worker, fair_id=fair.pk, token=token)
    assert created and not created_again and first.pk == again.pk
    assert FairCheckin.objects.filter(fair=fair).count() == 1
    assert fact_total(metric="jobs.fair_checkins", union_ids=[world.yuzhong.pk]) == 1
    with pytest.raises(NotFound):  # a code made up for this fair, or one of another fair
        files.fair_checkin(actor=world.worker, fair_id=fair.pk, token="forged")
    other = make_fair(world, title="另一场")
    with pytest.raises(NotFound):
        files.fair_checkin(actor=world.worker, fair_id=other.pk, token=token)
    live = make_fair(world, kind="live")
    services.fair_publish(actor=world.yz_staff, fair_id=live.pk)
    with pytest.raises(Conflict):
        files.fair_checkin(actor=world.worker, fair_id=live.pk, token=files.checkin_token(live))


def test_checkin_pages_and_the_venue_qr(world: World, client: Client) -> None:
    fair = _onsite_now(world)
    url = f"/jobs/fairs/{fair.pk}/checkin/?k={files.checkin_token(fair)}"
    anon = client.get(url)
    assert anon.status_code == 302 and "login" in anon["Location"]
    client.force_login(world.worker)
    assert 'data-testid="checkin"' in client.get(url).content.decode()
    done = client.post(f"/jobs/fairs/{fair.pk}/checkin/", {"k": files.checkin_token(fair)})
    assert done.status_code == 200 and 'data-testid="checked-in"' in done.content.decode()
    assert 'data-testid="checked-in"' in client.get(url).content.decode()  # scanning again
    client.force_login(world.yz_staff)
    qr = client.get(f"/jobs/console/fairs/{fair.pk}/checkin-qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert 'data-testid="checkin-count">1<' in client.get(f"/jobs/console/fairs/{fair.pk}/").content.decode()
    client.force_login(world.jb_staff)
    assert client.get(f"/jobs/console/fairs/{fair.pk}/checkin-qr.svg").status_code == 404
