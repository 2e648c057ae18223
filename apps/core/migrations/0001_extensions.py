from django.contrib.postgres.operations import (
    BtreeGinExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations


class Migration(migrations.Migration):
    """The extensions DESIGN.md promises on both the machine's server and the embedded one."""

    initial = True
    dependencies = []
    operations = [TrigramExtension(), UnaccentExtension(), BtreeGinExtension()]
