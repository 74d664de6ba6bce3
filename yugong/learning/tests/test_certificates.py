"""Certificates: the PDF with its QR, the public verify page, revocation by staff with a reason
(audited, scoped), and the Open Badges 3.0 credential validated against the vendored OBv3 schema
and its VC-JWT signature verified with the published key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cryptography.exceptions import InvalidSignature

from tests.helpers import UserFactory, grant, make_union
from yugong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yugong.core.models import AuditEvent
from yugong.learning import badges
from yugong.learning.certificates import certificate_issue, certificate_revoke
from yugong.learning.models import Certificate, Enrollment
from yugong.members.tests.factories import make_person

from .factories import make_course

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "ob_v3p0_achievementcredential_schema.json").read_text()
)


@pytest.fixture
def setup(client: Any) -> dict[str, Any]:
    city = make_union(None, name="重庆市总工会")
    district = make_union(city, kind="district", name="渝中区总工会")
    other = make_union(city, kind="district", name="江北区总工会")
    course = make_course(district, credits=2)
    user = UserFactory()
    person = make_person(user=user, name="张建国")
    enrollment = Enrollment.objects.create(course=course, person=person, completed_at=dt.datetime.now(dt.UTC))
    cert = certificate_issue(enrollment=enrollment, at=enrollment.completed_at, actor=None)
    staff, outsider, viewer = UserFactory(), UserFactory(), UserFactory()
    grant(staff, district, "staff")
    grant(outsider, other, "staff")
    grant(viewer, district, "viewer")
    return {
        "cert": cert,
        "user": user,
        "person": person,
        "staff": staff,
        "outsider": outsider,
        "viewer": viewer,
    }


def test_issued_once_per_enrollment(setup: dict[str, Any]) -> None:
    cert = setup["cert"]
    again = certificate_issue(enrollment=cert.enrollment, at=cert.issued_at, actor=None)
    assert again.pk == cert.pk and Certificate.objects.count() == 1


def test_the_credential_validates_against_the_obv3_schema(setup: dict[str, Any]) -> None:
    credential = badges.credential_for(setup["cert"])
    jsonschema.Draft201909Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(credential), key=str)
    assert not errors, [e.message for e in errors]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSchema"][0]["id"] == SCHEMA["$id"]
    # the learner is a salted hash of the name, never a plain ID number or phone
    assert "张建国" not in json.dumps(credential, ensure_ascii=False)
    broken = {**credential, "credentialSubject": {"type": ["AchievementSubject"]}}
    assert any("achievement" in e.message for e in validator.iter_errors(broken))
    wrong_type = {**credential, "type": ["VerifiableCredential"]}
    assert list(validator.iter_errors(wrong_type))


def test_the_downloaded_badge_is_signed_with_the_published_key(setup: dict[str, Any], client: Any) -> None:
    cert = setup["cert"]
    client.force_login(setup["user"])
    response = client.get(f"/learning/certificates/{cert.code}/badge.jwt")
    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    token = response.content.decode()
    jwks = client.get("/learning/badges/jwks.json").json()
    key = badges.public_key_from_jwk(jwks["keys"][0])
    payload = badges.verify(token, key)
    header = json.loads(badges.b64url_decode(token.split(".")[0]))
    assert header["alg"] == "EdDSA" and header["kid"] == jwks["keys"][0]["kid"]
    assert payload["jti"] == payload["id"] and payload["iss"] == payload["issuer"]["id"]
    assert payload["nbf"] == int(cert.issued_at.timestamp())
    validator = jsonschema.Draft201909Validator(SCHEMA)
    assert not list(validator.iter_errors(payload))
    head, body, sig = token.split(".")
    forged = json.loads(badges.b64url_decode(body))
    forged["credentialSubject"]["creditsEarned"] = 99
    forged_body = badges.b64url(json.dumps(forged, separators=(",", ":")).encode())
    with pytest.raises(InvalidSignature):
        badges.verify(f"{head}.{forged_body}.{sig}", key)
    assert AuditEvent.objects.filter(action="learning.badge_download").count() == 1
    issuer = json.loads(client.get("/learning/badges/issuer/").content)
    assert issuer["id"] == payload["issuer"]["id"] and issuer["type"] == ["Profile"]


def test_pdf_and_pages_are_the_owners_only(setup: dict[str, Any], client: Any) -> None:
    cert = setup["cert"]
    client.force_login(setup["user"])
    pdf = client.get(f"/learning/certificates/{cert.code}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert cert.code in client.get("/learning/certificates/").content.decode()
    other = UserFactory()
    make_person(user=other)
    client.force_login(other)
    for url in (f"/learning/certificates/{cert.code}/", f"/learning/certificates/{cert.code}/pdf/"):
        assert client.get(url).status_code == 404
    assert client.get(f"/learning/certificates/{cert.code}/badge.jwt").status_code == 404


def test_revocation_shows_on_the_public_verify_page(setup: dict[str, Any], client: Any) -> None:
    cert = setup["cert"]
    page = client.get(f"/learning/verify/{cert.code}/")  # anonymous: public
    html = page.content.decode()
    assert page.status_code == 200 and "证书真实有效" in html and "张*国" in html and "张建国" not in html
    assert client.get("/learning/verify/NOSUCHCODE/").status_code == 404
    with pytest.raises(ValidationFailed):
        certificate_revoke(actor=setup["staff"], certificate_id=cert.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        certificate_revoke(actor=setup["viewer"], certificate_id=cert.pk, reason="冒名顶替")
    with pytest.raises(NotFound):
        certificate_revoke(actor=setup["outsider"], certificate_id=cert.pk, reason="冒名顶替")
    client.force_login(setup["staff"])
    response = client.post(
        f"/learning/console/certificates/{cert.pk}/revoke/", {"reason": "冒名顶替参加学习"}
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revoked_by == setup["staff"]
    event = AuditEvent.objects.get(action="learning.certificate_revoke")
    assert event.union_id == cert.union_id
    with pytest.raises(Conflict):
        certificate_revoke(actor=setup["staff"], certificate_id=cert.pk, reason="再次")
    client.logout()
    html = client.get(f"/learning/verify/{cert.code}/").content.decode()
    assert "证书已撤销" in html and "冒名顶替参加学习" in html and "证书真实有效" not in html
    client.force_login(setup["staff"])
    listing = client.get("/learning/console/certificates/").content.decode()
    assert "冒名顶替参加学习" in listing
