"""Request guards that hold for every page: the admin's and the API's."""

from __future__ import annotations

import logging

from django.db import DataError
from django.http import HttpResponseBadRequest, JsonResponse

from apps.core.outage import wants_json

logger = logging.getLogger(__name__)


def _bad_request(request, message: str):
    if wants_json(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class RefuseNulMiddleware:
    """A NUL character cannot be stored in PostgreSQL text, nor be part of any name, id or search:
    a path or query parameter holding one (`?publication__exact=%00`, an autocomplete's
    `term=%00`) is a 400, before a filter hands it to the driver, which would raise."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return _bad_request(request, "The path holds a NUL character.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                shown = name.replace("\x00", "")
                if wants_json(request):  # the API's shape: the refused parameter, by name
                    return JsonResponse(
                        {shown: ["Holds a NUL character, which no text can contain."]}, status=400
                    )
                return _bad_request(request, f"The query parameter {shown!r} holds a NUL character.")
        return self.get_response(request)

    def process_exception(self, request, exception):
        # a value no form field checked that the database cannot hold (an id past bigint in an admin
        # filter): the request was wrong, not the server
        if isinstance(exception, DataError):
            logger.warning("A value the database cannot hold in %s: %s", request.path, exception)
            return _bad_request(request, "A value in the request is out of range for what it is stored as.")
        return None
