"""Task pages, inside a tenant (/t/<slug>/tasks/...)."""

from django.urls import path

from activities.views import tasks as views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("new/", views.task_create, name="task_create"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/edit/", views.task_update, name="task_update"),
    path("<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
]
