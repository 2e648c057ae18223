"""Search: `ct_term_query_held` looks its readings up in the search index whatever its caller's settings.

It looks up each uncommon reading with `EXISTS (… WHERE search_vector @@ reading)`, which only the
search index answers quickly, through a bitmap scan. It already turned sequential scans off; a
search's probe of the newest rows turns bitmap scans off for its own query (apps.core.search), and
since that query also works the held readings out (kept by the process for a minute), the lookups
were planned as a walk of the primary key reading back every document's vector: a phrase on 100,000
documents ran into the API's statement timeout. Bitmap scans are on for the function itself.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0008_term_query_held")]
    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION ct_term_query_held(text, regclass) SET enable_bitmapscan = on",
            "ALTER FUNCTION ct_term_query_held(text, regclass) RESET enable_bitmapscan",
        )
    ]
