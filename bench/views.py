"""The two baselines every figure is divided by, served by the same gunicorn as the site."""

from django.http import HttpResponse
from django.shortcuts import redirect, render

from .forms import BaselineForm

FIXED_PAGE = b"<!doctype html><title>Baseline</title><p>A fixed short page.</p>\n"


def fixed_page(request):
    return HttpResponse(FIXED_PAGE)


def form_page(request):
    """A bare Django form: CSRF checked by the middleware, validated, one row inserted."""
    form = BaselineForm(request.POST or None)
    if form.is_valid():
        form.save()
        return redirect("bench_form")
    return render(request, "bench/form.html", {"form": form})
