from django.urls import path

from tkpk.planning import views_rpkd as v

app_name = "planning_rpkd"

urlpatterns = [
    path("<int:pk>/rpkd/tujuan/baru/", v.goal_edit, name="goal_new"),
    path("<int:pk>/rpkd/tujuan/<int:item>/", v.goal_edit, name="goal_edit"),
    path("<int:pk>/rpkd/tujuan/<int:item>/hapus/", v.goal_delete, name="goal_delete"),
    path("<int:pk>/rpkd/tujuan/<int:goal>/sasaran/baru/", v.target_edit, name="target_new"),
    path("<int:pk>/rpkd/tujuan/<int:goal>/sasaran/<int:item>/", v.target_edit, name="target_edit"),
    path(
        "<int:pk>/rpkd/tujuan/<int:goal>/sasaran/<int:item>/hapus/",
        v.target_delete,
        name="target_delete",
    ),
    path("<int:pk>/rpkd/strategi/baru/", v.strategy_edit, name="strategy_new"),
    path("<int:pk>/rpkd/strategi/<int:item>/", v.strategy_edit, name="strategy_edit"),
    path("<int:pk>/rpkd/strategi/<int:item>/hapus/", v.strategy_delete, name="strategy_delete"),
    path("<int:pk>/rpkd/program/baru/", v.programme_edit, name="programme_new"),
    path("<int:pk>/rpkd/program/<int:item>/", v.programme_edit, name="programme_edit"),
    path("<int:pk>/rpkd/program/<int:item>/hapus/", v.programme_delete, name="programme_delete"),
    path("<int:pk>/rpkd/risiko/baru/", v.risk_edit, name="risk_new"),
    path("<int:pk>/rpkd/risiko/<int:item>/", v.risk_edit, name="risk_edit"),
    path("<int:pk>/rpkd/risiko/<int:item>/hapus/", v.risk_delete, name="risk_delete"),
]
