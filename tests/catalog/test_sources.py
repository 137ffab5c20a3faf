"""The URI rules of sources.source_resolve(): what is refused, and the words a user reads.

No database and no network: hosts are IP literals or `localhost` (resolved from /etc/hosts), and
names in a non-wildcard allow-list are never looked up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rastercatalog.catalog.sources import RasterSource, SourceRefused, source_resolve

GDAL_STRING = "looks like a GDAL virtual path or connection string, which is not allowed"


def refused(uri: str, *, trusted: bool = False) -> str:
    """The message source_resolve() refuses `uri` with."""
    with pytest.raises(SourceRefused) as caught:
        source_resolve(uri, trusted=trusted)
    return str(caught.value)


@pytest.fixture
def root(tmp_path: Path, settings) -> Path:
    """An allowed local root holding one file, a.tif; nothing else is allowed."""
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "a.tif").write_bytes(b"II*\x00")
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = [str(allowed)]
    return allowed


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file that exists but is outside the allowed root."""
    path = tmp_path / "outside" / "b.tif"
    path.parent.mkdir()
    path.write_bytes(b"II*\x00")
    return path


@pytest.fixture
def any_public_host(settings) -> None:
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["*"]


# --- untrusted: GDAL strings, paths ----------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "/vsicurl/http://example.com/a.tif",
        "/vsizip//x.zip/a.tif",
        "/VSIS3/bucket/a.tif",
        "  /vsimem/a.tif",
        "WMS:http://x",
        "PG:dbname=x",
        "GTIFF_DIR:1:/tmp/a.tif",
        "http:/example.com/a.tif",  # one slash: GDAL would take "http" for a driver prefix
        '<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>',
        "<GDAL_WMS><Service name='TMS'/></GDAL_WMS>",
    ],
)
def test_gdal_virtual_paths_and_connection_strings_are_refused(uri):
    message = refused(uri)

    assert GDAL_STRING in message
    assert message.startswith(repr(uri.strip()[:60]))
    assert "give a local path, an http(s):// URL or an s3:// URI" in message


def test_dot_dot_is_refused(root):
    uri = f"{root}/../allowed/a.tif"

    assert refused(uri) == f"'..' is not allowed in paths: {uri}"


def test_path_outside_the_allowed_roots_names_the_setting(root, outside):
    message = refused(str(outside))

    assert message == (
        f"local path {outside} is outside the allowed directories "
        f"(RASTERCATALOG_ALLOWED_LOCAL_ROOTS: {root})"
    )


def test_a_missing_file_outside_the_roots_is_refused_as_outside_not_as_missing(root, tmp_path):
    # No existence oracle for paths the user may not read.
    assert "is outside the allowed directories" in refused(str(tmp_path / "nope" / "x.tif"))


def test_a_sibling_directory_sharing_the_root_prefix_is_outside(root, tmp_path):
    sibling = tmp_path / "allowed-evil" / "a.tif"
    sibling.parent.mkdir()
    sibling.write_bytes(b"II*\x00")

    assert "is outside the allowed directories" in refused(str(sibling))


def test_no_roots_configured_says_none(root, settings):
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = []

    assert "(RASTERCATALOG_ALLOWED_LOCAL_ROOTS: none)" in refused(str(root / "a.tif"))


def test_symlink_inside_the_root_pointing_outside_is_refused(root):
    link = root / "passwd.tif"
    link.symlink_to("/etc/passwd")

    message = refused(str(link))

    assert message.startswith(f"local path {link} is outside the allowed directories")
    assert "RASTERCATALOG_ALLOWED_LOCAL_ROOTS" in message


def test_symlinked_directory_inside_the_root_pointing_outside_is_refused(root, outside):
    (root / "escape").symlink_to(outside.parent, target_is_directory=True)

    assert "is outside the allowed directories" in refused(str(root / "escape" / outside.name))


def test_symlink_inside_the_root_to_a_file_inside_is_read_through_its_target(root):
    (root / "link.tif").symlink_to(root / "a.tif")

    source = source_resolve(str(root / "link.tif"))

    assert source.uri == str(root / "link.tif")
    assert source.gdal_path == str(root / "a.tif")


def test_missing_file_inside_the_root(root):
    assert refused(str(root / "missing.tif")) == f"no such file: {root / 'missing.tif'}"


def test_directory_inside_the_root(root):
    (root / "sub").mkdir()

    assert refused(str(root / "sub")) == f"not a regular file: {root / 'sub'}"


def test_the_root_itself_is_not_a_file(root):
    assert refused(str(root)) == f"not a regular file: {root}"


def test_a_file_inside_the_root_is_accepted(root):
    source = source_resolve(str(root / "a.tif"))

    assert source == RasterSource(
        uri=str(root / "a.tif"), kind="local", gdal_path=str(root / "a.tif")
    )
    assert not source.is_remote
    assert source.local_path == root / "a.tif"
    assert source.streaming_path == source.gdal_path


@pytest.mark.parametrize("uri", ["ftp://example.com/a.tif", "gs://bucket/a.tif"])
def test_other_schemes_are_not_supported(uri):
    scheme = uri.split(":")[0]

    assert refused(uri) == (
        f"scheme {scheme}:// is not supported: use a local path, http(s):// or s3://"
    )


@pytest.mark.parametrize(
    "uri",
    [
        "/data/a.tif\x00.png",
        "/data/a.tif\nPG:dbname=x",
        "/data/a\r.tif",
        "http://h/a\n.tif",
        "/data/a\t.tif",
        "/data/a\x7f.tif",
    ],
)
def test_control_characters_are_refused(uri):
    assert refused(uri) == "the source contains control characters"


@pytest.mark.parametrize("uri", ["", "   ", None])
def test_empty_source(uri):
    assert refused(uri) == ("no source given: pass a local path, an http(s):// URL or an s3:// URI")


# --- untrusted: http(s) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "host", "address"),
    [
        ("http://127.0.0.1:8000/a.tif", "127.0.0.1", "127.0.0.1"),
        ("http://[::1]/a.tif", "::1", "::1"),
        ("http://10.0.0.1/a.tif", "10.0.0.1", "10.0.0.1"),
        ("http://192.168.1.1/a.tif", "192.168.1.1", "192.168.1.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "169.254.169.254"),
        ("https://172.16.0.5/a.tif", "172.16.0.5", "172.16.0.5"),
        ("http://0/a.tif", "0", "0.0.0.0"),
        # Other spellings of loopback that libcurl would also accept.
        ("http://2130706433/a.tif", "2130706433", "127.0.0.1"),
        ("http://0x7f.1/a.tif", "0x7f.1", "127.0.0.1"),
        ("http://127.1/a.tif", "127.1", "127.0.0.1"),
        ("http://[::ffff:169.254.169.254]/a.tif", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe"),
    ],
)
def test_wildcard_hosts_refuse_private_addresses_naming_them(any_public_host, uri, host, address):
    assert refused(uri) == (
        f"HTTP host {host} resolves to {address}, a loopback, link-local or private address; "
        "name it in RASTERCATALOG_ALLOWED_HTTP_HOSTS to allow it"
    )


def test_wildcard_hosts_refuse_localhost(any_public_host):
    message = refused("http://localhost:8080/a.tif")

    assert message.startswith("HTTP host localhost resolves to ")
    assert "127.0.0.1" in message or "::1" in message
    assert "a loopback, link-local or private address" in message


def test_a_host_named_explicitly_is_accepted_even_on_loopback(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["*", "127.0.0.1"]

    source = source_resolve("http://127.0.0.1:8123/data/a.tif")

    assert source.kind == "http"
    assert source.is_remote
    assert source.uri == "http://127.0.0.1:8123/data/a.tif"
    assert source.gdal_path == "/vsicurl/http://127.0.0.1:8123/data/a.tif"


def test_host_names_match_case_insensitively(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["Data.Example.COM"]

    source = source_resolve("https://DATA.example.com/a.tif")

    assert source.gdal_path == "/vsicurl/https://DATA.example.com/a.tif"


def test_naming_one_loopback_spelling_does_not_allow_the_others(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["*", "127.0.0.1"]

    assert "resolves to 127.0.0.1" in refused("http://2130706433/a.tif")
    assert "HTTP host localhost resolves to" in refused("http://localhost/a.tif")


def test_host_not_in_a_closed_list_is_refused_naming_the_setting(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["data.example.com", "tiles.example.org"]

    assert refused("https://other.example.com/a.tif") == (
        "HTTP host other.example.com is not allowed "
        "(RASTERCATALOG_ALLOWED_HTTP_HOSTS: data.example.com, tiles.example.org)"
    )
    # A closed list does not fall back to "any public host".
    assert "is not allowed" in refused("http://1.1.1.1/a.tif")


@pytest.mark.parametrize(
    "uri",
    ["http://user:secret@data.example.com/a.tif", "https://user@data.example.com/a.tif"],
)
@pytest.mark.parametrize("trusted", [False, True])
def test_credentials_in_urls_are_refused(settings, uri, trusted):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["data.example.com"]

    message = refused(uri, trusted=trusted)

    assert message == "URLs with credentials in them are not accepted"
    assert "secret" not in message


def test_url_without_host(any_public_host):
    assert refused("http:///a.tif") == "URL has no host: http:///a.tif"


def test_a_space_is_quoted_in_the_gdal_path(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["data.example.com"]

    source = source_resolve("https://data.example.com/my scenes/a b.tif?v=1&x=%41")

    assert source.uri == "https://data.example.com/my scenes/a b.tif?v=1&x=%41"
    assert source.gdal_path == "/vsicurl/https://data.example.com/my%20scenes/a%20b.tif?v=1&x=%41"
    assert " " not in source.gdal_path


# --- s3 ---------------------------------------------------------------------------------------


def test_bucket_not_allowed_names_the_setting(settings):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = []
    assert refused("s3://some-bucket/a.tif") == (
        "S3 bucket some-bucket is not allowed (RASTERCATALOG_ALLOWED_S3_BUCKETS: none)"
    )

    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["imagery", "dem-tiles"]
    assert refused("s3://some-bucket/a.tif") == (
        "S3 bucket some-bucket is not allowed (RASTERCATALOG_ALLOWED_S3_BUCKETS: imagery, dem-tiles)"
    )


@pytest.mark.parametrize("key", ["a#b.tif", "scene?v=2.tif"])
def test_s3_keys_keep_question_marks_and_hashes(settings, key):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["imagery"]

    assert source_resolve(f"s3://imagery/{key}").gdal_path == f"/vsis3/imagery/{key}"


@pytest.mark.parametrize("allowed", [["imagery"], ["*"]])
def test_allowed_bucket_gives_a_vsis3_path(settings, allowed):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = allowed

    source = source_resolve("s3://imagery/2024/06/scene.tif")

    assert source == RasterSource(
        uri="s3://imagery/2024/06/scene.tif",
        kind="s3",
        gdal_path="/vsis3/imagery/2024/06/scene.tif",
    )
    assert source.is_remote


@pytest.mark.parametrize("bucket", ["Bad_Bucket", "ab", "-dash", "user@imagery", "a" * 64])
@pytest.mark.parametrize("trusted", [False, True])
def test_invalid_bucket_names(settings, bucket, trusted):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["*"]

    assert refused(f"s3://{bucket}/a.tif", trusted=trusted) == (
        f"not a valid S3 bucket name: {bucket!r}"
    )


@pytest.mark.parametrize("uri", ["s3://imagery", "s3://imagery/", "s3://imagery/a/../secret.tif"])
@pytest.mark.parametrize("trusted", [False, True])
def test_missing_key_or_dot_dot_in_key(settings, uri, trusted):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["imagery"]

    assert refused(uri, trusted=trusted) == f"S3 URI needs an object key without '..': {uri}"


# --- trusted (the operator's CLI) ---------------------------------------------------------------


def test_trusted_accepts_a_path_outside_the_roots_with_dot_dot(root, outside):
    uri = f"{outside.parent}/../{outside.parent.name}/{outside.name}"

    source = source_resolve(uri, trusted=True)

    assert source.kind == "local"
    assert source.uri == str(outside)
    assert os.path.isabs(source.uri)
    assert source.gdal_path == str(outside)


def test_trusted_relative_path_is_stored_absolute(outside, monkeypatch):
    monkeypatch.chdir(outside.parent)

    source = source_resolve(outside.name, trusted=True)

    assert source.uri == str(outside)
    assert os.path.isabs(source.uri)


def test_trusted_still_checks_the_file_exists(tmp_path):
    assert refused(str(tmp_path / "missing.tif"), trusted=True) == (
        f"no such file: {tmp_path / 'missing.tif'}"
    )
    assert refused(str(tmp_path), trusted=True) == f"not a regular file: {tmp_path}"


@pytest.mark.parametrize(
    "uri",
    [
        "/vsicurl/http://127.0.0.1/a.tif",
        "/vsizip//x.zip/a.tif",
        "WMS:http://127.0.0.1/wms",
        "PG:dbname=x",
        '<VRTDataset rasterXSize="1" rasterYSize="1"></VRTDataset>',
    ],
)
def test_trusted_still_refuses_gdal_strings(uri):
    assert GDAL_STRING in refused(uri, trusted=True)


def test_trusted_accepts_any_http_host_and_bucket(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = []
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = []

    http = source_resolve("http://127.0.0.1:9000/a.tif", trusted=True)
    s3 = source_resolve("s3://anybucket/a.tif", trusted=True)

    assert http.gdal_path == "/vsicurl/http://127.0.0.1:9000/a.tif"
    assert s3.gdal_path == "/vsis3/anybucket/a.tif"


def test_file_uri(outside, root):
    trusted = source_resolve(f"file://{outside}", trusted=True)
    assert trusted.uri == str(outside)
    assert trusted.gdal_path == str(outside)

    # Percent-escapes are decoded; the allow-list still applies untrusted.
    spaced = root / "with space.tif"
    spaced.write_bytes(b"II*\x00")
    assert source_resolve(f"file://{root}/with%20space.tif").gdal_path == str(spaced)
    assert "is outside the allowed directories" in refused(f"file://{outside}")


def test_file_uri_to_a_gdal_path_is_not_read_as_one():
    # file:// takes GDAL's "://" exemption, but what it names is still only a local file.
    assert refused("file:///vsicurl/http://127.0.0.1/a.tif", trusted=True).startswith(
        "no such file: /vsicurl/http://127.0.0.1/a.tif"
    )


# --- streaming paths --------------------------------------------------------------------------


def test_streaming_path_for_http_and_s3(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["data.example.com"]
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["imagery"]

    http = source_resolve("https://data.example.com/a b.tif")
    s3 = source_resolve("s3://imagery/dir/a.tif")

    assert http.streaming_path == "/vsicurl_streaming/https://data.example.com/a%20b.tif"
    assert s3.streaming_path == "/vsis3_streaming/imagery/dir/a.tif"


def test_local_path_of_a_remote_source_is_an_error(settings):
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["imagery"]

    with pytest.raises(ValueError, match="is not a local file"):
        source_resolve("s3://imagery/a.tif").local_path
