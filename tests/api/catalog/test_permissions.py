"""Who sees what: private rasters for their owner and staff; reads public unless configured; writes
need staff or a token."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from ..conftest import names

pytestmark = pytest.mark.django_db

EVERYWHERE = {"bbox": "5,44,10,48"}


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("staff", password="staff-password-1", is_staff=True)


def test_anonymous_readers_see_public_rasters_only(designed, api):
    assert "alps_private" not in names(api.get("/api/rasters/", EVERYWHERE))
    assert api.get(f"/api/rasters/{designed.alps_private.pk}/").status_code == 404
    response = api.post("/api/rasters/search", EVERYWHERE, format="json")  # a POST that reads
    assert "alps_private" not in names(response)


def test_the_owner_and_staff_see_a_private_raster_others_do_not(designed, api, alice, bob, staff):
    for user, sees in ((alice, True), (staff, True), (bob, False)):
        api.force_authenticate(user)
        assert ("alps_private" in names(api.get("/api/rasters/", EVERYWHERE))) is sees, user
        detail = api.get(f"/api/rasters/{designed.alps_private.pk}/")
        assert detail.status_code == (200 if sees else 404), user


def test_a_session_login_works_too(designed, api, alice):
    assert api.login(username="alice", password="alice-password-1")
    assert "alps_private" in names(api.get("/api/rasters/", EVERYWHERE))


def test_token_authentication(designed, api, alice):
    token = Token.objects.create(user=alice)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert "alps_private" in names(api.get("/api/rasters/", EVERYWHERE))
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api.get("/api/rasters/").status_code == 401


def test_collection_counts_and_extents_follow_visibility(designed, api, alice):
    europe = api.get("/api/collections/europe/").json()
    assert europe["raster_count"] == 3
    assert europe["extent"]["datetime"] == ["2023-12-31T23:59:59.999999Z", "2024-06-15T10:00:00Z"]
    api.force_authenticate(alice)
    europe = api.get("/api/collections/europe/").json()
    assert europe["raster_count"] == 4
    assert europe["extent"]["datetime"][1] == "2024-06-16T00:00:00Z"


def test_reads_can_require_a_login(designed, api, alice, settings):
    settings.RASTERCATALOG_PUBLIC_READ = False
    for path in (
        "/api/rasters/",
        "/api/collections/",
        "/stac/search",
        "/api/rasters/tiles/0/0/0.mvt",
    ):
        response = api.get(path)
        assert response.status_code in (401, 403), path
        assert "RASTERCATALOG_PUBLIC_READ" in str(response.json()), path
    api.force_authenticate(alice)
    assert api.get("/api/rasters/").status_code == 200


def test_writes_need_staff_or_a_token(designed, api, alice, staff):
    # No endpoint of the search API writes: a write method reaches the permission check and,
    # once allowed through, finds no handler (405).
    url = f"/api/rasters/{designed.alps.pk}/"
    assert api.delete(url).status_code in (401, 403)  # anonymous
    api.force_authenticate(alice)  # logged in, not staff, no token
    assert api.delete(url).status_code == 403
    api.force_authenticate(staff)
    assert api.delete(url).status_code == 405
    token = Token.objects.create(user=alice)
    api.force_authenticate(alice, token=token)
    assert api.delete(url).status_code == 405


def test_the_admin_lists_and_filters_by_visibility(designed, admin_client):
    url = "/admin/rastercatalog/raster/"
    page = admin_client.get(url, {"visibility__exact": "private"}).content.decode()
    assert "alps_private" in page and ">alps_inner<" not in page
    change = admin_client.get(f"{url}{designed.alps_private.pk}/change/").content.decode()
    assert 'name="visibility"' in change and 'name="owner"' in change
