from django.urls import path

from health import views

urlpatterns = [
    path("", views.index),
    path("healthz", views.healthz),
]
