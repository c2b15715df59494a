-- Daily call counters per (organization, agent, UTC day of created_at, status), kept exact by
-- statement-level triggers on `calls`, so organization metrics read days × agents × statuses rows
-- instead of every call.
--
-- Each row counts the calls of its key that exist now: `calls` (how many), `answered` (duration > 0),
-- `duration_sum` (seconds, over answered calls), `cost_sum` (total_cost_cents, nulls as 0).
-- A row whose counters all fell to 0 is kept: it is reused by the next call of its key.
CREATE TABLE call_stats_daily (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- The call's agent; the nil UUID stands for "no agent" (agent_id NULL), so the key has no NULLs.
  agent_id uuid NOT NULL,
  day date NOT NULL,
  status text NOT NULL,
  calls bigint NOT NULL DEFAULT 0,
  answered bigint NOT NULL DEFAULT 0,
  duration_sum numeric NOT NULL DEFAULT 0,
  cost_sum numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, day, agent_id, status)
) WITH (fillfactor = 80); -- room for HOT updates: counters change, keys never do
CREATE INDEX call_stats_daily_agent_idx ON call_stats_daily (organization_id, agent_id, day);

-- The counters of a set of calls (a transition table, or `calls` itself for the backfill), by key.
-- Adds `sign` times those counters to call_stats_daily, creating missing rows.
--
-- One statement-level trigger per operation, with transition tables: a bulk INSERT … SELECT of a
-- million calls is one grouped upsert, not a million. An UPDATE subtracts every old row and adds every
-- new row, grouped by key, and writes only keys whose net change is not zero: an update that touches
-- no counted column (poll times, transcript, version…) writes nothing, and any combination of status,
-- agent (including ON DELETE SET NULL), organization, created_at, duration and cost changes moves the
-- call between keys exactly. Keys are written in key order, so concurrent writers lock counter rows in
-- the same order and cannot deadlock on them.
CREATE FUNCTION call_stats_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, calls, answered, duration_sum, cost_sum)
  SELECT n.organization_id,
         coalesce(n.agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
         (n.created_at AT TIME ZONE 'UTC')::date,
         n.status,
         count(*),
         count(*) FILTER (WHERE n.duration > 0),
         coalesce(sum(n.duration) FILTER (WHERE n.duration > 0), 0),
         coalesce(sum(n.total_cost_cents), 0)
    FROM call_stats_new n
   GROUP BY 1, 2, 3, 4
   ORDER BY 1, 2, 3, 4
  ON CONFLICT (organization_id, day, agent_id, status) DO UPDATE
     SET calls = s.calls + excluded.calls,
         answered = s.answered + excluded.answered,
         duration_sum = s.duration_sum + excluded.duration_sum,
         cost_sum = s.cost_sum + excluded.cost_sum;
  RETURN NULL;
END;
$$;

CREATE FUNCTION call_stats_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO call_stats_daily AS s (organization_id, agent_id, day, status, calls, answered, duration_sum, cost_sum)
  SELECT organization_id, agent_id, day, status, sum(calls), sum(answered), sum(duration_sum), sum(cost_sum)
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
  ON CONFLICT (organization_id, day, agent_id, status) DO UPDATE
     SET calls = s.calls + excluded.calls,
         answered = s.answered + excluded.answered,
         duration_sum = s.duration_sum + excluded.duration_sum,
         cost_sum = s.cost_sum + excluded.cost_sum;
  RETURN NULL;
END;
$$;

-- Deleted calls only ever decrease rows that exist, so this never inserts: when an organization is
-- deleted, its counter rows may already be gone (cascade), and nothing must be re-created for it.
CREATE FUNCTION call_stats_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE call_stats_daily AS s
     SET calls = s.calls - d.calls,
         answered = s.answered - d.answered,
         duration_sum = s.duration_sum - d.duration_sum,
         cost_sum = s.cost_sum - d.cost_sum
    FROM (
      SELECT o.organization_id,
             coalesce(o.agent_id, '00000000-0000-0000-0000-000000000000'::uuid) AS agent_id,
             (o.created_at AT TIME ZONE 'UTC')::date AS day,
             o.status,
             count(*) AS calls,
             count(*) FILTER (WHERE o.duration > 0) AS answered,
             coalesce(sum(o.duration) FILTER (WHERE o.duration > 0), 0) AS duration_sum,
             coalesce(sum(o.total_cost_cents), 0) AS cost_sum
        FROM call_stats_old o
       GROUP BY 1, 2, 3, 4
    ) AS d
   WHERE s.organization_id = d.organization_id
     AND s.day = d.day
     AND s.agent_id = d.agent_id
     AND s.status = d.status;
  RETURN NULL;
END;
$$;

CREATE FUNCTION call_stats_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM call_stats_daily;
  RETURN NULL;
END;
$$;

-- Creating the triggers locks `calls` against writes until this migration commits, so the backfill
-- below sees every committed call and every later write goes through the triggers: nothing is
-- counted twice or missed, even while an older server version keeps writing.
CREATE TRIGGER call_stats_insert AFTER INSERT ON calls
  REFERENCING NEW TABLE AS call_stats_new
  FOR EACH STATEMENT EXECUTE FUNCTION call_stats_on_insert();
CREATE TRIGGER call_stats_update AFTER UPDATE ON calls
  REFERENCING OLD TABLE AS call_stats_old NEW TABLE AS call_stats_new
  FOR EACH STATEMENT EXECUTE FUNCTION call_stats_on_update();
CREATE TRIGGER call_stats_delete AFTER DELETE ON calls
  REFERENCING OLD TABLE AS call_stats_old
  FOR EACH STATEMENT EXECUTE FUNCTION call_stats_on_delete();
CREATE TRIGGER call_stats_truncate AFTER TRUNCATE ON calls
  FOR EACH STATEMENT EXECUTE FUNCTION call_stats_on_truncate();

INSERT INTO call_stats_daily (organization_id, agent_id, day, status, calls, answered, duration_sum, cost_sum)
SELECT organization_id,
       coalesce(agent_id, '00000000-0000-0000-0000-000000000000'::uuid),
       (created_at AT TIME ZONE 'UTC')::date,
       status,
       count(*),
       count(*) FILTER (WHERE duration > 0),
       coalesce(sum(duration) FILTER (WHERE duration > 0), 0),
       coalesce(sum(total_cost_cents), 0)
  FROM calls
 GROUP BY 1, 2, 3, 4;
