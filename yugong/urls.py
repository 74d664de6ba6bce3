from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from yugong.api import api
from yugong.core.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("_bench/", include("yugong.benchviews")),  # 404 unless settings.BENCH_ENDPOINTS
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("yugong.accounts.urls")),
    path("sysadmin/", admin.site.urls),
    path("orgs/", include("yugong.orgs.urls")),
    path("members/roster/", include("yugong.members.roster.urls")),
    path("stations/", include("yugong.stations.urls")),
    path("rights/", include("yugong.rights.urls")),
    path("assistance/", include("yugong.assistance.urls")),
    path("activities/", include("yugong.events.urls")),
    path("jobs/", include("yugong.jobs.urls")),
    path("tourism/", include("yugong.tourism.urls")),
    path("contests/", include("yugong.contests.urls")),
    path("learning/", include("yugong.learning.urls")),
    path("honors/", include("yugong.honors.urls")),
    path("innovation/", include("yugong.innovation.urls")),
    path("console/funds/", include("yugong.funds.urls")),
    path("", include("yugong.news.urls")),
    path("console/cockpit/", include("yugong.cockpit.urls")),
    # /join/<code>/ (scan-to-join), /members/… (worker), /console/members/… (staff)
    path("", include("yugong.members.urls")),
    path("", include("yugong.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "yugong.core.views.bad_request"
handler403 = "yugong.web.views.error_403"
handler404 = "yugong.web.views.error_404"
handler500 = "yugong.web.views.error_500"
