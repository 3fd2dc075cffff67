"""A reader's own data, beside allauth's account pages under /accounts/ (named like them)."""

from django.urls import path

from . import account_views

urlpatterns = [
    path("data/", account_views.your_data, name="account_data"),
    path("erase/", account_views.erase_account, name="account_erase"),
    path("erased/", account_views.erased, name="account_erased"),
]
