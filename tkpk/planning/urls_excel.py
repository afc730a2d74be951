app_name = "planning_excel"
urlpatterns: list = []  # type: ignore[type-arg]
