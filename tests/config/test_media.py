"""Uploads served by Django (SERVE_MEDIA) with DEBUG off, and the settings that choose where
uploads live: the local folder, or an S3-compatible bucket."""

import ast

import pytest

from .test_settings import read_settings


@pytest.fixture
def stored_upload(settings, media_root, db):
    # `db`: closing a file response ends the request, which checks the database connection.
    settings.DEBUG = False
    (media_root / "images" / "2020" / "06").mkdir(parents=True)
    path = media_root / "images" / "2020" / "06" / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    return path


def test_serve_media_on_serves_an_upload_with_a_day_of_caching(client, settings, stored_upload):
    settings.SERVE_MEDIA = True

    response = client.get("/media/images/2020/06/photo.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert b"".join(response.streaming_content) == stored_upload.read_bytes()
    response.close()


def test_serve_media_answers_not_modified_to_a_revalidation(client, settings, stored_upload):
    settings.SERVE_MEDIA = True
    first = client.get("/media/images/2020/06/photo.png")
    first.close()  # the file it holds open

    again = client.get(
        "/media/images/2020/06/photo.png", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )

    assert again.status_code == 304


def test_serve_media_never_lists_a_folder(client, settings, stored_upload):
    settings.SERVE_MEDIA = True

    response = client.get("/media/images/2020/06/")

    assert response.status_code == 404


def test_serve_media_off_answers_404(client, settings, stored_upload):
    settings.SERVE_MEDIA = False

    response = client.get("/media/images/2020/06/photo.png")

    assert response.status_code == 404


def test_serve_media_defaults_to_debug(tmp_path):
    production = read_settings(tmp_path, "settings.SERVE_MEDIA", SECRET_KEY="k" * 50)
    development = read_settings(tmp_path, "settings.SERVE_MEDIA", DEBUG="1")
    asked = read_settings(tmp_path, "settings.SERVE_MEDIA", SECRET_KEY="k" * 50, SERVE_MEDIA="1")

    assert (production.stdout.strip(), development.stdout.strip(), asked.stdout.strip()) == (
        "False",
        "True",
        "True",
    )


def test_uploads_stay_on_the_filesystem_without_a_bucket(tmp_path):
    result = read_settings(tmp_path, "settings.STORAGES['default']", SECRET_KEY="k" * 50)

    assert ast.literal_eval(result.stdout.strip()) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_a_bucket_name_switches_uploads_to_s3(tmp_path):
    result = read_settings(
        tmp_path,
        "settings.STORAGES['default'], settings.SERVE_MEDIA",
        SECRET_KEY="k" * 50,
        DEBUG="1",
        AWS_STORAGE_BUCKET_NAME="liaison-media",
        AWS_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        AWS_S3_REGION_NAME="fr-par",
        AWS_S3_CUSTOM_DOMAIN="media.liaison.example",
    )

    default_storage, serve_media = ast.literal_eval(result.stdout.strip())
    assert default_storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default_storage["OPTIONS"] | {"object_parameters": None} == {
        "bucket_name": "liaison-media",
        "endpoint_url": "https://s3.fr-par.scw.cloud",
        "region_name": "fr-par",
        "custom_domain": "media.liaison.example",
        "file_overwrite": False,
        "querystring_auth": False,
        "object_parameters": None,
    }
    # Nothing local to serve: development does not route MEDIA_URL to an empty folder.
    assert serve_media is False


def test_the_s3_storage_builds_public_urls_on_the_custom_domain(tmp_path):
    # Constructing the storage and a URL needs no network: boto3 only connects on I/O.
    result = read_settings(
        tmp_path,
        "__import__('django').setup() or __import__('django.core.files.storage')"
        ".core.files.storage.default_storage.url('images/2020/06/photo.png')",
        SECRET_KEY="k" * 50,
        AWS_STORAGE_BUCKET_NAME="liaison-media",
        AWS_S3_CUSTOM_DOMAIN="media.liaison.example",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
    )

    assert result.stdout.strip() == "'https://media.liaison.example/images/2020/06/photo.png'", (
        result.stderr
    )
