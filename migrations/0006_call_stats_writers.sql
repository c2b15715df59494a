-- Daily call counters without contention between writers. Until now every transaction that changed
-- calls of one organization, agent and day upserted the same counter rows, so two such transactions
-- waited for each other (and, through the INSERT and UPDATE triggers of one transaction, could
-- deadlock). Now each database backend adds its changes to rows of its own (`writer`, its process
-- id): concurrent transactions never touch the same counter rows. A key's counters are the sum of its
-- rows; `call_stats_fold()` (run every minute) moves the backends' rows into the `writer` 0 rows, so
-- a key keeps a handful of rows.
ALTER TABLE call_stats_daily ADD COLUMN writer integer NOT NULL DEFAULT 0;
ALTER TABLE call_stats_daily DROP CONSTRAINT call_stats_daily_pkey;
ALTER TABLE call_stats_daily ADD PRIMARY KEY (organization_id, day, agent_id, status, writer);

CREATE OR REPLACE FUNCTION call_stats_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, writer, calls, answered, duration_sum, cost_sum)
  SELECT n.organization_id,
         coalesce(n.agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
         (n.created_at AT TIME ZONE 'UTC')::date,
         n.status,
         pg_backend_pid(),
         count(*),
         count(*) FILTER (WHERE n.duration > 0),
         coalesce(sum(n.duration) FILTER (WHERE n.duration > 0), 0),
         coalesce(sum(n.total_cost_cents), 0)
    FROM call_stats_new n
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (organization_id, day, agent_id, status, writer) DO UPDATE
     SET calls = s.calls + excluded.calls,
         answered = s.answered + excluded.answered,
         duration_sum = s.duration_sum + excluded.duration_sum,
         cost_sum = s.cost_sum + excluded.cost_sum;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION call_stats_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, writer, calls, answered, duration_sum, cost_sum)
  SELECT organization_id, agent_id, day, status, pg_backend_pid(),
         sum(calls), sum(answered), sum(duration_sum), sum(cost_sum)
    FROM (
      SELECT o.organization_id,
             coalesce(o.agent_id, '00000000-0000-0000-0000-000000000000'::uuid) AS agent_id,
             (o.created_at AT TIME ZONE 'UTC')::date AS day,
             o.status,
             -1 AS calls,
             CASE WHEN o.duration > 0 THEN -1 ELSE 0 END AS answered,
             CASE WHEN o.duration > 0 THEN -o.duration ELSE 0 END AS duration_sum,
             -coalesce(o.total_cost_cents, 0) AS cost_sum
        FROM call_stats_old o
      UNION ALL
      SELECT n.organization_id,
             coalesce(n.agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
             (n.created_at AT TIME ZONE 'UTC')::date,
             n.status,
             1,
             CASE WHEN n.duration > 0 THEN 1 ELSE 0 END,
             CASE WHEN n.duration > 0 THEN n.duration ELSE 0 END,
             coalesce(n.total_cost_cents, 0)
        FROM call_stats_new n
    ) AS delta
   GROUP BY 1, 2, 3, 4
  HAVING sum(calls) <> 0 OR sum(answered) <> 0 OR sum(duration_sum) <> 0 OR sum(cost_sum) <> 0
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (organization_id, day, agent_id, status, writer) DO UPDATE
     SET calls = s.calls + excluded.calls,
         answered = s.answered + excluded.answered,
         duration_sum = s.duration_sum + excluded.duration_sum,
         cost_sum = s.cost_sum + excluded.cost_sum;
  RETURN NULL;
END;
$$;

-- Deleted calls subtract their counters in this backend's rows. Calls deleted with their
-- organization (the cascade) subtract nothing: the organization's counter rows go with it, and no row
-- may be created for an organization that no longer exists.
CREATE OR REPLACE FUNCTION call_stats_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, writer, calls, answered, duration_sum, cost_sum)
  SELECT o.organization_id,
         coalesce(o.agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
         (o.created_at AT TIME ZONE 'UTC')::date,
         o.status,
         pg_backend_pid(),
         -count(*),
         -count(*) FILTER (WHERE o.duration > 0),
         -coalesce(sum(o.duration) FILTER (WHERE o.duration > 0), 0),
         -coalesce(sum(o.total_cost_cents), 0)
    FROM call_stats_old o
   WHERE EXISTS (SELECT 1 FROM organizations g WHERE g.id = o.organization_id)
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (organization_id, day, agent_id, status, writer) DO UPDATE
     SET calls = s.calls + excluded.calls,
         answered = s.answered + excluded.answered,
         duration_sum = s.duration_sum + excluded.duration_sum,
         cost_sum = s.cost_sum + excluded.cost_sum;
  RETURN NULL;
END;
$$;

-- Moves the counters of the backends' rows into the `writer` 0 rows; returns how many rows it moved.
-- Rows a running transaction holds are left for the next fold (SKIP LOCKED), so folding never waits
-- for a writer, and a writer waits for a fold only while it commits. Rows that add up to nothing are
-- just removed.
CREATE FUNCTION call_stats_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  moved bigint;
BEGIN
  WITH taken AS (
    DELETE FROM call_stats_daily
     WHERE ctid IN (SELECT ctid FROM call_stats_daily WHERE writer <> 0 FOR UPDATE SKIP LOCKED)
    RETURNING *
  ), summed AS (
    SELECT organization_id, agent_id, day, status, count(*) AS n,
           sum(calls) AS calls, sum(answered) AS answered,
           sum(duration_sum) AS duration_sum, sum(cost_sum) AS cost_sum
      FROM taken
     GROUP BY 1, 2, 3, 4
  ), folded AS (
    INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, writer, calls, answered, duration_sum, cost_sum)
    SELECT organization_id, agent_id, day, status, 0, calls, answered, duration_sum, cost_sum
      FROM summed
     WHERE calls <> 0 OR answered <> 0 OR duration_sum <> 0 OR cost_sum <> 0
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (organization_id, day, agent_id, status, writer) DO UPDATE
       SET calls = s.calls + excluded.calls,
           answered = s.answered + excluded.answered,
           duration_sum = s.duration_sum + excluded.duration_sum,
           cost_sum = s.cost_sum + excluded.cost_sum
  )
  SELECT coalesce(sum(n), 0) INTO moved FROM summed;
  RETURN moved;
END;
$$;
