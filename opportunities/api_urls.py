from django.urls import path

from opportunities import api

app_name = "opportunities-api"

urlpatterns = [
    path("opportunities/", api.OpportunityListApi.as_view(), name="opportunity-list"),
    path("opportunities/<int:pk>/", api.OpportunityDetailApi.as_view(), name="opportunity-detail"),
    path(
        "opportunities/<int:pk>/move-stage/", api.OpportunityMoveApi.as_view(), name="opportunity-move-stage"
    ),
    path(
        "opportunities/<int:pk>/stage-changes/",
        api.OpportunityStageChangeListApi.as_view(),
        name="opportunity-stage-change-list",
    ),
    path("stage-changes/", api.StageChangeListApi.as_view(), name="stage-change-list"),
    path("pipelines/", api.PipelineListApi.as_view(), name="pipeline-list"),
    path("competitors/", api.CompetitorListApi.as_view(), name="competitor-list"),
    path("loss-reasons/", api.LossReasonListApi.as_view(), name="loss-reason-list"),
]
