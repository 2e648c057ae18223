# API tokens move from DRF's authtoken (kept in plain text, never expiring) to django-rest-knox
# (SHA-512 digests, with an expiry). A token a script holds keeps working until it expires: its
# digest is stored, not the token. Then DRF's table goes.

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

TABLE = "authtoken_token"


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return  # a database made after the move
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {TABLE}")
        rows = cursor.fetchall()
    AuthToken = apps.get_model("knox", "AuthToken")
    ttl = settings.REST_KNOX.get("TOKEN_TTL", timedelta(hours=10))
    AuthToken.objects.bulk_create(
        AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=timezone.now() + ttl,
        )
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {TABLE} CASCADE")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):

    dependencies = [("knox", "0009_extend_authtoken_field")]

    operations = [migrations.RunPython(carry_over, migrations.RunPython.noop)]
