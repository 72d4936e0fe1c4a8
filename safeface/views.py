from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from safeface import health


def home(request):
    return render(request, "home.html")


@never_cache
def status(request):
    template = "status.html#system-status" if request.htmx else "status.html"
    return render(request, template, {"report": health.report()})


@never_cache
def healthz(request):
    report = health.report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
