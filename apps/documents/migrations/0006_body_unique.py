# One text, one document, held by the database: a partial unique index on the body's hash (documents
# known only by reference share the empty body). It replaces the plain index the lookups used.

from django.conf import settings
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import migrations, models


def refuse_existing_duplicates(apps, schema_editor):
    """Name the documents that share a body, instead of failing on the index with a bare error."""
    Document = apps.get_model("documents", "Document")
    duplicates = (
        Document.objects.exclude(body="")
        .values("body_sha256")
        .annotate(n=models.Count("id"), ids=ArrayAgg("id"))
        .filter(n__gt=1)
    )
    clashes = ["documents " + ", ".join(f"#{pk}" for pk in sorted(row["ids"])) for row in duplicates]
    if clashes:
        raise RuntimeError(
            "These documents share a body and must be merged (or one deleted) before a body can be "
            "made unique: " + "; ".join(clashes) + "."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0005_link_history'),
        ('entities', '0004_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_existing_duplicates, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='document',
            name='document_body_sha256',
        ),
        migrations.AddConstraint(
            model_name='document',
            constraint=models.UniqueConstraint(condition=models.Q(('body', ''), _negated=True), fields=('body_sha256',), name='document_body_unique', violation_error_message='This text is already stored as another document.'),
        ),
    ]
