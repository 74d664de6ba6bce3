"""Certificates: the worker's list and certificate page (PDF and the Open Badges 3.0 credential to
download), the public verify page (valid or revoked), and the issuer's public profile and keys."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yugong.core.audit import audit_record
from yugong.core.errors import NotFound
from yugong.core.pii import mask_name
from yugong.orgs.decorators import worker_required

from . import badges
from .certificates import by_code, render_pdf, verify_path
from .models import Certificate
from .views import _h5, _person


def _mine(request: HttpRequest, code: str) -> Certificate:
    """The signed-in worker's own certificate (another's answers 404, as if it did not exist)."""
    person = _person(request)
    cert = by_code(code)
    if person is None or cert.person_id != person.pk:
        raise NotFound()
    return cert


@worker_required
def h5_certificates(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rows = (
        list(Certificate.objects.filter(person=person).order_by("-issued_at", "-pk")[:200]) if person else []
    )
    return _h5(request, "learning/h5_certificates.html", {"rows": rows})


@worker_required
def h5_certificate(request: HttpRequest, code: str) -> HttpResponse:
    cert = _mine(request, code)
    return _h5(request, "learning/h5_certificate.html", {"cert": cert, "verify_url": verify_path(cert)})


@worker_required
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    cert = _mine(request, code)
    pdf = render_pdf(cert, badges.absolute(verify_path(cert)))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
    return response


@worker_required
def certificate_badge(request: HttpRequest, code: str) -> HttpResponse:
    """The Open Badges 3.0 credential, signed (VC-JWT), as a file the worker keeps in a wallet."""
    cert = _mine(request, code)
    token = badges.sign(badges.credential_for(cert))
    audit_record(actor=request.user, action="learning.badge_download", obj=cert, union_id=cert.union_id)
    response = HttpResponse(token, content_type="application/jwt")
    response["Content-Disposition"] = f'attachment; filename="openbadge-{cert.code}.jwt"'
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone holding the certificate (its QR) checks it; the name is masked."""
    try:
        cert = by_code(code)
    except NotFound:
        return render(request, "learning/verify.html", {"cert": None, "code": code}, status=404)
    ctx = {"cert": cert, "code": cert.code, "name": mask_name(cert.person.name)}
    return render(request, "learning/verify.html", ctx)


@require_GET
def badge_issuer(request: HttpRequest) -> HttpResponse:
    profile = badges.issuer_profile()
    return HttpResponse(json.dumps(profile, ensure_ascii=False), content_type="application/ld+json")


@require_GET
def badge_jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": [badges.public_jwk()]})
