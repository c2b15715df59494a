-- Every provider delivery, stored raw before anything else, and what the merge made of it.

ALTER TABLE calls
  ADD COLUMN provider_agent_id text,
  ADD COLUMN merge_state jsonb,
  ADD COLUMN last_webhook_at timestamptz,
  ADD COLUMN last_polled_at timestamptz,
  ADD COLUMN confirmed_at timestamptz;

-- Non-terminal calls, for polling and the stale-call reconciliation.
CREATE INDEX calls_active_idx ON calls (created_at)
  WHERE status IN ('queued', 'initiated', 'ringing', 'in_progress', 'call_disconnected');

CREATE TABLE webhook_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  call_id uuid REFERENCES calls (id) ON DELETE SET NULL,
  provider text NOT NULL DEFAULT 'bolna',
  provider_call_id text,
  provider_agent_id text,
  source text NOT NULL CHECK (source IN ('webhook', 'poll', 'sync', 'replay')),
  -- NULL until the merge has looked at it.
  verdict text CHECK (verdict IN ('applied', 'duplicate', 'stale', 'orphan', 'rejected', 'failed')),
  status text,
  payload jsonb,
  raw_body text,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  source_ip text,
  payload_digest text,
  changed_fields text[] NOT NULL DEFAULT '{}',
  error text,
  attempts integer NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
CREATE INDEX webhook_events_call_idx ON webhook_events (call_id, received_at, id);
CREATE INDEX webhook_events_provider_call_idx ON webhook_events (organization_id, provider_call_id, received_at);
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (received_at) WHERE verdict IS NULL OR verdict = 'failed';
CREATE INDEX webhook_events_orphan_idx ON webhook_events (organization_id, provider_agent_id) WHERE verdict = 'orphan';
