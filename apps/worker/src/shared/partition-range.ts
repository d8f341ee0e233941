// The rows' partition key as a range the planner prunes by, from the times a statement's rows had
// when PostgreSQL returned them: a timestamptz comes back cut to the millisecond (a JavaScript
// Date) and the row may hold microseconds past it, so the range ends a millisecond past the latest.
// A statement that names its rows' day this way reads one day partition of the table, not all.

export interface PartitionRange {
  from: Date;
  before: Date;
}

export function partitionRange(times: readonly Date[]): PartitionRange {
  const ms = times.map((t) => t.getTime());
  return { from: new Date(Math.min(...ms)), before: new Date(Math.max(...ms) + 1) };
}
