from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from clients import calendar_views, offline
from clients import views as client_views
from therapists import calendar as therapist_calendar

from .health import healthz

# Staff sign in to the admin through allauth, with its rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Tandem administration"

# The split view serves its start-up script as a file (no inline script); Swagger UI does set
# inline styles, so this page alone allows them.
api_docs = csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

# A request Django refuses to read: JSON on the API, a page in the portals.
handler400 = "config.errors.bad_request"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("help/", account_views.help_page, name="help"),
    # The service worker lives at the root, so that it may look after every page.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("offline/", offline.offline_page, name="offline"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("invitations/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("client/", include("clients.urls")),
    path("goodbye/", client_views.goodbye, name="goodbye"),
    path("", include("careplans.urls")),
    path("", include("progress.urls")),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path(
        "calendar/sessions/<str:token>.ics",
        therapist_calendar.calendar_feed,
        name="therapist_calendar_feed",
    ),
    path("", include("safety.urls")),
    path("", include("measures.urls")),
    path("therapist/", include("therapists.urls")),
    path("", include("notifications.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("api/v1/", include("config.api_urls")),
]
