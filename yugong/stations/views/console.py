"""Staff console pages (keepers too): list, edit, import, inspections and issues, visit statistics,
QR codes and the check-in screen, coverage."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yugong.accounts.models import request_user
from yugong.core import nav
from yugong.core.errors import ApplicationError, ValidationFailed, reraise_refusal
from yugong.core.pii import blind_index
from yugong.core.timeutil import local_now
from yugong.core.validators import normalize_phone
from yugong.orgs.access import MANAGE_ROLES, can_act, scope_filter
from yugong.orgs.acting import acting_union
from yugong.orgs.decorators import audience_required, console_required
from yugong.orgs.models import Union

from .. import checkin as checkin_rules
from .. import selectors, services
from ..forms import (
    CoverageForm,
    HonourForm,
    ImportForm,
    InspectionForm,
    IssueCloseForm,
    IssueForm,
    KeeperForm,
    PhotoForm,
    StationForm,
)
from ..hours import hours_display
from ..imports import stations_import, template_xlsx
from ..models import Station

# --- staff console -----------------------------------------------------------------------------


# Station pages for staff and for station keepers (partners without a union role; the
# ``keeper`` audience is declared in stations/nav.py).
keeper_or_console_required = audience_required(nav.Audience("keeper"))


def _console(request: HttpRequest, template: str, ctx: dict[str, Any]) -> HttpResponse:
    return render(request, template, {"section": "services", **ctx})


@console_required
def console_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in Station.Kind.values else "",
        "status": request.GET.get("status", "") if request.GET.get("status") in Station.Status.values else "",
        "district": request.GET.get("district", "").strip(),
    }
    page = Paginator(
        selectors.stations_search(
            request.user,
            q=filters["q"],
            kind=filters["kind"],
            status=filters["status"],
            district=filters["district"],
        ),
        50,
    ).get_page(request.GET.get("page"))
    return _console(
        request,
        "stations/console_list.html",
        {"page": page, "filters": filters, "kinds": Station.Kind.choices, "statuses": Station.Status.choices},
    )


def _form_union(request: HttpRequest, code: str) -> Union | None:
    return scope_filter(
        Union.objects.filter(code=code), request.user, path_field="path", roles=MANAGE_ROLES
    ).first()


def _apply_errors(form: StationForm, exc: ValidationFailed) -> None:
    for key, msgs in exc.fields.items():
        field = key if key in form.fields else None
        for m in msgs:
            form.add_error(field, str(m))


@console_required
def console_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    station = selectors.station_access(request.user, pk) if pk is not None else None
    if request.method == "POST":
        form = StationForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("union_code", "coord")}
            union = _form_union(request, form.cleaned_data["union_code"])
            if union is None:
                form.add_error("union_code", _("工会编码不存在或不在您的管理范围内。"))
            else:
                try:
                    if station is None:
                        station = services.station_create(
                            actor=request_user(request),
                            union=union,
                            data=data,
                            coord=form.cleaned_data["coord"],
                        )
                    else:
                        services.station_update(
                            actor=request_user(request),
                            station=station,
                            data=data,
                            coord=form.cleaned_data["coord"],
                            union=union,
                        )
                    messages.success(request, _("站点已保存。"))
                    return HttpResponseRedirect(reverse("stations:console_detail", args=[station.pk]))
                except ValidationFailed as exc:
                    _apply_errors(form, exc)
    elif station is not None:
        form = StationForm(initial=StationForm.initial_for(station))
    else:
        acting = acting_union(request)
        form = StationForm(initial={"union_code": acting.code if acting else "", "coord": "gcj02"})
    return _console(request, "stations/console_edit.html", {"form": form, "station": station})


@keeper_or_console_required
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    stats = selectors.visit_stats(station)
    return _console(
        request,
        "stations/console_detail.html",
        {
            "station": station,
            "hours_text": hours_display(station.hours),
            "inspections": selectors.station_inspections(station, 20),
            "issues": selectors.station_issues(station),
            "stats": stats,
            "stats_json": {
                "days": [d["day"][5:] for d in stats["series"]],
                "counts": [d["checkins"] for d in stats["series"]],
            },
            "honours": list(station.honours.all()),
            "inspection_form": InspectionForm(),
            "honour_form": HonourForm(),
            "keeper_form": KeeperForm(),
            "photo_form": PhotoForm(),
            "keepers": list(station.keepers.all()),
            "photos": list(station.photos.all()),
            "can_administer": can_act(request.user, station.union, MANAGE_ROLES),
            "issue_form": IssueForm(),
            "can_manage": services.can_keep(request.user, station),
            "week_days": [local_now().date() + dt.timedelta(days=n) for n in range(7)],
        },
    )


def _checkin_url(request: HttpRequest, station: Station, token: str) -> str:
    return request.build_absolute_uri(
        reverse("stations:checkin", args=[station.code]) + "?" + urlencode({"t": token})
    )


@keeper_or_console_required
def console_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable QR: the day's key (``?day=YYYY-MM-DD``, today up to 6 days ahead, so a
    keeper can print the week's sheets), valid on that day only."""
    import segno

    station = selectors.station_access_keep(request.user, pk)
    today = local_now().date()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    if not today <= day <= today + dt.timedelta(days=6):
        day = today
    url = _checkin_url(request, station, checkin_rules.daily_token(station.code, day))
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="station-{station.code}-{day:%Y%m%d}.svg"'
    response["Cache-Control"] = "private, no-store"
    return response


@keeper_or_console_required
def console_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The keeper's screen: the current check-in QR, reloading itself when the code changes."""
    import segno

    station = selectors.station_access_keep(request.user, pk)
    at = local_now()
    qr = segno.make(_checkin_url(request, station, checkin_rules.screen_token(station.code, at)), error="m")
    response = render(
        request,
        "stations/console_screen.html",
        {
            "station": station,
            "qr_svg": mark_safe(qr.svg_inline(scale=10, border=2)),  # noqa: S308 (segno's own SVG)
            "refresh": checkin_rules.seconds_left(at) + 1,
            "minutes": max(1, checkin_rules.token_seconds() // 60),
            "hours": hours_display(station.hours),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@keeper_or_console_required
@require_POST
def console_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    return _station_form_action(
        request,
        station,
        InspectionForm(request.POST),
        lambda data: services.inspection_record(actor=request_user(request), station=station, **data),
        _("巡查记录已保存。"),
    )


@keeper_or_console_required
@require_POST
def console_issue(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    return _station_form_action(
        request,
        station,
        IssueForm(request.POST),
        lambda data: services.issue_raise(actor=request_user(request), station=station, **data),
        _("问题已登记。"),
    )


@keeper_or_console_required
@require_POST
def console_issue_close(request: HttpRequest, pk: int) -> HttpResponse:
    issue = selectors.issue_access(request.user, pk)
    return _station_form_action(
        request,
        issue.station,
        IssueCloseForm(request.POST),
        lambda data: services.issue_close(actor=request_user(request), issue=issue, **data),
        _("问题已关闭。"),
    )


def _station_form_action(
    request: HttpRequest, station: Station, form: Any, action: Callable[[dict[str, Any]], Any], done: str
) -> HttpResponse:
    """The console's small POST forms on a station page: validate, call the service, say what
    happened (the field's own Chinese message when the service names one), back to the page. A
    refusal is not a message: it answers 403 (the error middleware), so the status tells it apart."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
            messages.success(request, done)
        except ApplicationError as exc:
            reraise_refusal(exc)
            fields = "；".join(str(m) for msgs in exc.fields.values() for m in msgs)
            messages.warning(request, fields or str(exc.message))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.warning(request, f"{label}：{error}" if label else str(error))
    return HttpResponseRedirect(reverse("stations:console_detail", args=[station.pk]))


@console_required
@require_POST
def console_honour(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    return _station_form_action(
        request,
        station,
        HonourForm(request.POST),
        lambda data: services.station_honour_add(actor=request_user(request), station=station, **data),
        _("荣誉已登记。"),
    )


def _user_by_phone(raw: str) -> Any:
    phone = normalize_phone(raw)
    user = get_user_model().objects.filter(phone_index=blind_index("phone", phone)).first()
    if user is None:
        raise ValidationFailed(fields={"phone": _("该手机号还没有在平台登录过。")})
    return user


@console_required
@require_POST
def console_keeper(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    return _station_form_action(
        request,
        station,
        KeeperForm(request.POST),
        lambda data: services.station_keeper_add(
            actor=request_user(request), station=station, user=_user_by_phone(data["phone"])
        ),
        _("看护人已添加。"),
    )


@keeper_or_console_required
@require_POST
def console_photo(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.station_access_keep(request.user, pk)
    return _station_form_action(
        request,
        station,
        PhotoForm(request.POST, request.FILES),
        lambda data: services.station_photo_add(
            actor=request_user(request), station=station, image=data["image"], caption=data["caption"]
        ),
        _("照片已上传。"),
    )


@console_required
def console_import(request: HttpRequest) -> HttpResponse:
    result = None
    errors: list[tuple[str, list[str]]] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = stations_import(
                    actor=request_user(request),
                    file=form.cleaned_data["file"],
                    coord=form.cleaned_data["coord"],
                    partial=form.cleaned_data["partial"],
                )
                messages.success(request, _("已导入 %(n)s 个站点。") % {"n": result.created})
            except ValidationFailed as exc:
                messages.warning(request, str(exc.message))
                errors = [(k, [str(m) for m in v]) for k, v in exc.fields.items()]
    else:
        form = ImportForm()
    return _console(
        request, "stations/console_import.html", {"form": form, "result": result, "errors": errors}
    )


@console_required
def console_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="stations-template.xlsx"'
    return response


@console_required
def console_export(request: HttpRequest) -> HttpResponse:
    data = selectors.stations_geojson(
        selectors.stations_search(request.user), request.GET.get("coord", "wgs84")
    )
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/geo+json")
    response["Content-Disposition"] = 'attachment; filename="stations.geojson"'
    return response


# Where the coverage page's district picker reads the boundaries (the offline file, yugong.core.districts).
DISTRICTS_STATIC = "vendor/geo/chongqing.json"


@console_required
def console_coverage(request: HttpRequest) -> HttpResponse:
    result = None
    data: dict[str, Any] | None = None
    if request.method == "POST":
        form = CoverageForm(request.POST)
        if form.is_valid():
            try:
                region = json.loads(form.cleaned_data["region"])
                result = selectors.coverage_for_region(
                    region,
                    cell_m=form.cleaned_data["cell_m"],
                    minutes=form.cleaned_data["minutes"],
                    k=form.cleaned_data["k"],
                )
                services.coverage_snapshot_record(actor=request_user(request), result=result, region=region)
                data = {
                    "region": region,
                    "uncovered": result.uncovered_geojson(max_features=5000),
                    "plan": result.plan,
                    "tiles": None,
                }
            except json.JSONDecodeError:
                form.add_error("region", _("不是有效的 GeoJSON。"))
            except ValidationFailed as exc:
                for key, msgs in exc.fields.items():
                    for m in msgs:
                        form.add_error(key if key in form.fields else None, str(m))
    else:
        form = CoverageForm(initial={"district": "渝中区"})
    return _console(
        request,
        "stations/console_coverage.html",
        {"form": form, "result": result, "map_data": data, "districts_url": static(DISTRICTS_STATIC)},
    )
