from django.urls import path

from .views import auth, partner, staff

app_name = "portal"

urlpatterns = [
    # The partner's sign-in (public) and account
    path("login/", auth.login_view, name="login"),
    path("login/code/", auth.login_code, name="login-code"),
    path("logout/", auth.logout_view, name="logout"),
    path("signed-out/", auth.signed_out, name="signed-out"),
    path("accept/<str:token>/", auth.accept, name="accept"),
    path("security/", auth.security, name="security"),
    # The partner's own pages
    path("", partner.home, name="home"),
    path("measures/<slug:code>/", partner.measure_answer, name="measure-answer"),
    path("entries/", partner.entry_list, name="entry-list"),
    path("entries/<str:kind>/new/", partner.entry_new, name="entry-new"),
    path("entries/<str:kind>/<uuid:pk>/", partner.entry_detail, name="entry-detail"),
    path("entries/<str:kind>/<uuid:pk>/sent/", partner.entry_sent, name="entry-sent"),
    path("progress/", partner.progress, name="progress"),
    # The therapist's side, per couple
    path("staff/couples/<uuid:pk>/", staff.couple_portal, name="couple"),
    path("staff/couples/<uuid:pk>/invite/", staff.invite, name="invite"),
    path("staff/couples/<uuid:pk>/accounts/<uuid:account_pk>/revoke/", staff.revoke, name="revoke"),
    path("staff/couples/<uuid:pk>/accounts/<uuid:account_pk>/sharing/", staff.sharing, name="sharing"),
    path("staff/couples/<uuid:pk>/accounts/<uuid:account_pk>/send-measure/", staff.send_measure,
         name="send-measure"),
]
