"""Background regrades (apps/credibility/tasks.py): the batches a write queued, and the claims still
waiting for theirs, a chunk job's worth a row. No foreign-key constraint: one INSERT … SELECT writes
them inside the request of the write. `pendingregrade_range` serves the API's `regrading` (the chunks
whose id range holds a claim)."""

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_updated_after_index"),
        ("credibility", "0006_changes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegradeBatch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.TextField(
                        help_text="What queued it, in words: the rating or edit that moves these grades."
                    ),
                ),
                ("total", models.PositiveIntegerField(default=0, help_text="How many claims it queued.")),
                (
                    "resting_on",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, size=None
                    ),
                ),
                ("queued_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("planned_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(planned_at=None),
                        fields=["queued_at"],
                        name="regradebatch_unplanned",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PendingRegrade",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_claim", models.BigIntegerField()),
                ("last_claim", models.BigIntegerField()),
                (
                    "claim_ids",
                    django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), size=None),
                ),
                (
                    "batch",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="pending",
                        to="credibility.regradebatch",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["first_claim", "last_claim"], name="pendingregrade_range")],
            },
        ),
    ]
