-- Autovacuum analyzes a day partition of the delivery log again only after 500,000 changed rows on
-- top of PostgreSQL's 10% of its rows (the default is 50). A partition starts its day empty, so by
-- default it was analyzed at every autovacuum pass for the day's first tens of minutes at a few
-- hundred deliveries a second, each ANALYZE sampling 30,000 rows of each table in a burst of CPU
-- that the worker waited behind (docs/benchmarks.md, "The thirteenth run"). The worker creates the
-- next partitions with the same setting and analyzes each once its day is over
-- (apps/worker/src/maintenance/partitions.ts).
DO E'
DECLARE
  p record\073
BEGIN
  FOR p IN SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
            WHERE i.inhparent IN (''"Event"''::regclass, ''"Delivery"''::regclass, ''"DeliveryAttempt"''::regclass) LOOP
    EXECUTE format(''ALTER TABLE %I SET (autovacuum_analyze_threshold = 500000)'', p.relname)\073
  END LOOP\073
END';
