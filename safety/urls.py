from django.urls import path

from . import views

urlpatterns = [
    path("help-now/", views.crisis, name="crisis"),
]
