from django.urls import path

from .views import affair, audit_log, auth, couples, ipv, practice, risks, safety, staff

app_name = "clinic"

urlpatterns = [
    path("", couples.home, name="home"),
    # Sign-in and second factor (public or half-signed-in: see TwoFactorRequiredMiddleware)
    path("accounts/login/", auth.login_view, name="login"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/two-factor/", auth.two_factor_verify, name="two-factor"),
    path("accounts/two-factor/setup/", auth.two_factor_setup, name="two-factor-setup"),
    path("accounts/two-factor/backup-codes/", auth.backup_codes, name="two-factor-backup-codes"),
    path("accounts/two-factor/skip/", auth.two_factor_skip_demo, name="two-factor-skip"),
    path("accounts/invite/<uidb64>/<token>/", auth.accept_invite, name="invite-accept"),
    # Couples (cases) and clients
    path("couples/", couples.couple_list, name="couple-list"),
    path("couples/new/", couples.couple_create, name="couple-create"),
    path("couples/<uuid:pk>/", couples.couple_detail, name="couple-detail"),
    path("couples/<uuid:pk>/administration/", couples.couple_administration, name="couple-administration"),
    path("couples/<uuid:pk>/edit/", couples.couple_edit, name="couple-edit"),
    path("couples/<uuid:pk>/partners/<str:position>/", couples.partner_edit, name="partner-edit"),
    path("couples/<uuid:pk>/ipv-override/", ipv.ipv_override, name="ipv-override"),
    path("couples/<uuid:pk>/affair/", affair.affair_record, name="affair-record"),
    path("couples/<uuid:pk>/care-team/add/", couples.care_team_add, name="care-team-add"),
    path("couples/<uuid:pk>/care-team/<uuid:member_pk>/end/", couples.care_team_end, name="care-team-end"),
    path("couples/<uuid:pk>/risks/", risks.risk_register, name="risk-register"),
    path("couples/<uuid:pk>/risks/<uuid:risk_pk>/acknowledge/", risks.risk_acknowledge, name="risk-acknowledge"),
    path("couples/<uuid:pk>/risks/<uuid:risk_pk>/check/", risks.risk_check, name="risk-check"),
    path("couples/<uuid:pk>/risks/<uuid:risk_pk>/close/", risks.risk_close, name="risk-close"),
    path("couples/<uuid:pk>/safety/", safety.safety_record, name="safety-record"),
    path("couples/<uuid:pk>/safety/<str:partner>/plan/", safety.safety_plan_save, name="safety-plan-save"),
    path("couples/<uuid:pk>/safety/<str:partner>/screen/", safety.suicide_screen_record, name="suicide-screen-record"),
    path("clients/<uuid:pk>/edit/", couples.client_edit, name="client-edit"),
    # Practice manager
    path("practice/", practice.practice_home, name="practice-home"),
    # Administration
    path("manage/users/", staff.user_list, name="user-list"),
    path("manage/users/invite/", staff.user_invite, name="user-invite"),
    path("manage/users/<uuid:pk>/", staff.user_edit, name="user-edit"),
    path("manage/users/<uuid:pk>/deactivate/", staff.user_deactivate, name="user-deactivate"),
    path("manage/practice/", staff.practice_settings, name="practice-settings"),
    path("manage/audit/", audit_log.audit_log, name="audit-log"),
    path("manage/audit.csv", audit_log.audit_export, name="audit-export"),
]
