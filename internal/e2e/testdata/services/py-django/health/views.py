import django
from django.http import HttpResponse, JsonResponse


def index(request):
    return HttpResponse(f"mysite on Django {django.get_version()}\n")


def healthz(request):
    return JsonResponse({"status": "ok"})
