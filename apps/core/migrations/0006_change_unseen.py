"""The change log's reader no longer holds a page back for a transaction that ended as it read.

A reader hands out the changes of transactions older than the oldest one still running in its
snapshot that may write this log; `pg_stat_activity` tells which database each one belongs to.
A transaction that ends between the reader's snapshot and its look at `pg_stat_activity` cannot
be placed there, and the reader held everything after it back for that poll (in a full parallel
test run, 4 of about 13,000 samples of the running transactions: an empty page where changes were due).
`ct_change_unseen` answers for such a transaction from a snapshot of its own: still running, or
finished having logged a change here (committed after the reader's snapshot, so unseen by it).
"""

from django.db import migrations

FUNCTION = """
-- Whether a transaction the reader's snapshot holds as running may have changes of this log that
-- the reader cannot see. A volatile function's statement takes a new snapshot (READ COMMITTED):
-- still running in it, yes; finished, only if it logged a change here, which is then visible (an
-- aborted one's row never is). Under REPEATABLE READ the snapshot is the reader's own: yes.
CREATE OR REPLACE FUNCTION ct_change_unseen(p_xid xid8) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN NOT pg_visible_in_snapshot(p_xid, pg_current_snapshot())
      OR EXISTS (SELECT FROM core_changetransaction t JOIN core_changecluster c ON c.gen = t.gen
                 WHERE t.xid = p_xid::text::bigint
                   AND c.system_identifier = (SELECT system_identifier FROM pg_control_system()));
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0005_changes")]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS ct_change_unseen(xid8);")]
