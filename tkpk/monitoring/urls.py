from tkpk.monitoring import urls_board, urls_instrument, urls_reports

app_name = "monitoring"

urlpatterns = [
    *urls_instrument.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_board.urlpatterns,
]
