import os
import subprocess
import sys

from django.conf import settings


def test_interface_is_french_by_default_with_english_available():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris"
    assert settings.USE_TZ is True
    assert "en" in dict(settings.LANGUAGES)


def test_database_is_postgis():
    assert settings.DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.postgis"


def test_deploy_check_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "a-realistic-production-secret-" + "x7Fq9!Lm2#Vz8@Rt5$Wp" * 2,
        "ALLOWED_HOSTS": "vigie.example.fr",
        "DATABASE_URL": "postgis://vigie:secret@db.example.fr:5432/vigie",
        "REDIS_URL": "redis://cache.example.fr:6379/0",
        "EMAIL_URL": "smtp+tls://vigie:secret@smtp.example.fr:587",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    # The checkout's own .env (written by `make demo`) holds a key: read an empty one instead.
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.prod"
    env["ENV_FILE"] = str(empty_env_file)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
