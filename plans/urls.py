from django.urls import path

from .views import cbt, library, measures, plan, progress

app_name = "plans"

urlpatterns = [
    # Treatment plan (per couple, versioned)
    path("couples/<uuid:couple_pk>/plan/", plan.plan_detail, name="plan-detail"),
    path("couples/<uuid:couple_pk>/plan/new/", plan.plan_create, name="plan-create"),
    path("plans/overdue-reviews/", plan.overdue_reviews, name="plan-overdue-reviews"),
    path("plans/<uuid:plan_pk>/", plan.plan_version, name="plan-version"),
    path("plans/<uuid:plan_pk>/edit/", plan.plan_edit, name="plan-edit"),
    path("plans/<uuid:plan_pk>/from-library/", plan.plan_add_from_library, name="plan-add-from-library"),
    path("plans/<uuid:plan_pk>/items/<str:kind>/add/", plan.plan_item_add, name="plan-item-add"),
    path("plans/<uuid:plan_pk>/items/<str:kind>/<uuid:item_pk>/edit/", plan.plan_item_edit, name="plan-item-edit"),
    path("plans/<uuid:plan_pk>/items/<str:kind>/<uuid:item_pk>/delete/", plan.plan_item_delete,
         name="plan-item-delete"),
    path("plans/<uuid:plan_pk>/sign/", plan.plan_sign, name="plan-sign"),
    path("plans/<uuid:plan_pk>/acknowledge/", plan.plan_acknowledge, name="plan-acknowledge"),
    path("plans/<uuid:plan_pk>/schedule/", measures.measure_schedule, name="measure-schedule"),
    # The practice's trust-issue library
    path("library/", library.library_list, name="library-list"),
    path("library/new/", library.library_item_create, name="library-item-create"),
    path("library/<uuid:pk>/edit/", library.library_item_edit, name="library-item-edit"),
    # Outcome measures
    path("couples/<uuid:couple_pk>/measures/", measures.measure_list, name="measure-list"),
    path("couples/<uuid:couple_pk>/measures/record/", measures.measure_record, name="measure-record"),
    path("measures/due/", measures.measures_due, name="measures-due"),
    path("measures/not-on-track/", measures.not_on_track, name="not-on-track"),
    path("couples/<uuid:couple_pk>/client-entries/reviewed/", measures.client_entries_reviewed,
         name="client-entries-reviewed"),
    path("measures/<uuid:pk>/", measures.measure_detail, name="measure-detail"),
    path("measures/<uuid:pk>/acknowledge-risk/", measures.measure_acknowledge_risk, name="measure-acknowledge-risk"),
    path("instruments/", measures.instrument_list, name="instrument-list"),
    path("instruments/new/", measures.instrument_create, name="instrument-create"),
    # Objective progress and CBT work between sessions
    path("couples/<uuid:couple_pk>/progress/", progress.progress_overview, name="progress"),
    path("couples/<uuid:couple_pk>/progress/add/", progress.progress_point_add, name="progress-point-add"),
    path("couples/<uuid:couple_pk>/cbt/", cbt.cbt_overview, name="cbt"),
    path("couples/<uuid:couple_pk>/cbt/<str:kind>/new/", cbt.cbt_create, name="cbt-create"),
    path("couples/<uuid:couple_pk>/cbt/<str:kind>/<uuid:pk>/edit/", cbt.cbt_edit, name="cbt-edit"),
]
