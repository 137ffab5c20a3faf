"""Bodies the fuzzer found: each is a JSON 4xx that names the problem, never a server error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> APIClient:
    user = User.objects.create_user("staff", password="staff-password-1", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.parametrize("body", ["[null, null]", "null", '"uri"', "3"])
def test_cog_validate_with_a_body_that_is_not_an_object(staff, body):
    response = staff.post("/api/cog/validate", body, content_type="application/json")

    assert response.status_code == 400
    assert "the body must be a JSON object" in response.json()["detail"]


def test_upload_start_where_direct_uploads_are_not_configured(staff, settings):
    settings.RASTERCATALOG_UPLOAD_BUCKET = ""

    response = staff.post("/api/uploads/", {"name": "", "filename": ""}, format="multipart")

    assert response.status_code == 404
    assert "Direct-to-S3 uploads are not configured on this server" in response.json()["detail"]


@pytest.mark.parametrize(
    "event",
    [{"Records": "x"}, {"Records": [None, 3, {"s3": "x"}, {"s3": {"bucket": "b", "object": 1}}]}],
)
def test_upload_events_with_malformed_records_queue_nothing(settings, event):
    settings.RASTERCATALOG_UPLOAD_WEBHOOK_SECRET = "s3cret"

    response = APIClient().post(
        "/api/uploads/events", event, format="json", HTTP_X_UPLOAD_SECRET="s3cret"
    )

    assert response.status_code == 202, response.content
