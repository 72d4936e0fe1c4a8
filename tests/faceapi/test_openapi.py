"""/api/openapi.json: a valid OpenAPI 3.1 document that describes every endpoint,
and the API keeps to it under schemathesis (no 5xx, documented statuses and bodies)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from faceapi import openapi

pytestmark = pytest.mark.django_db


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/openapi.json").json()

    validate(document)
    assert document["openapi"] == "3.1.0" and document == openapi.document()


def test_the_validator_would_catch_a_broken_document():
    broken = openapi.document()
    broken["paths"]["/api/face"]["get"]["parameters"][0]["in"] = "body"  # not a place OpenAPI 3.1 knows

    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_api_endpoint_is_documented():
    from faceapi import urls

    pages = {"/api/", "/api/file/", "/api/extension/", "/api/extension/<str:browser>.zip"}  # for people, not the API
    routes = {"/api/" + str(p.pattern).replace("<str:key>", "{key}") for p in urls.urlpatterns} - pages

    assert routes == set(openapi.document()["paths"])


schema = schemathesis.openapi.from_dict(openapi.document())


@pytest.fixture
def wsgi_app(settings):
    """The site's WSGI app, called in this thread as Django's test client does: without
    closing the test's database connection at the end of each request."""
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_document(case, wsgi_app):
    # Every check but "schema-valid requests are accepted": OpenAPI cannot state that a
    # blend's values are numbered without gaps or that `value` and `value0` exclude each
    # other, so some schema-valid queries rightly get a 400 (which is documented).
    case.call_and_validate(app=wsgi_app, excluded_checks=[positive_data_acceptance])
