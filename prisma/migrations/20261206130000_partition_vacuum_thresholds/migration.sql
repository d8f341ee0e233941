-- Autovacuum of the day partitions by a fixed count of changed rows, not by a share of the table
-- (issue 21). By default a table is vacuumed once its dead rows reach 20% of its rows (and once its
-- inserts since the last vacuum do): a day partition grows all day, so its vacuums come further and
-- further apart and each one has more to do. In the soak (874 deliveries/s) the vacuums of Delivery's
-- partition went from every minute (28,000 dead rows, 0.7 MB of WAL, 0.3 s) to every 8 minutes
-- (223,000 dead rows, 212 MB of WAL, 18 s), and the commits of every delivery waited behind that WAL.
-- A fixed count keeps each vacuum the size of a minute or so of changes at that rate, whatever the
-- size of the partition. The worker creates the next partitions with the same settings
-- (apps/worker/src/maintenance/partitions.ts).
DO E'
DECLARE
  p record\073
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent IN (''"Event"''::regclass, ''"Delivery"''::regclass, ''"DeliveryAttempt"''::regclass) LOOP
    EXECUTE format(''ALTER TABLE %I SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 100000)'', p.relname)\073
  END LOOP\073
END';
