from django.urls import path

from suiban.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("school/<int:pk>/", views.ledger, name="ledger"),
    path("school/<int:pk>/close/", views.close_period, name="close"),
    path("entries/<int:pk>/reverse/", views.reverse_entry, name="reverse"),
    path("entries/<int:pk>/receipts/", views.upload_receipt, name="upload_receipt"),
    path("receipts/<int:pk>/", views.receipt_download, name="receipt"),
    path("allocations/", views.allocate, name="allocate"),
    path("allocations/<int:pk>/receive/", views.receive, name="receive"),
]
