-- Voice agents (mirrored to Bolna) and calls (one Bolna execution each).

CREATE TABLE agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  welcome_message text NOT NULL DEFAULT '',
  system_prompt text NOT NULL DEFAULT '',
  language text NOT NULL DEFAULT 'en',
  voice text,
  llm_model text,
  from_number text,
  provider text NOT NULL DEFAULT 'bolna',
  provider_agent_id text,
  sync_status text NOT NULL DEFAULT 'pending' CHECK (sync_status IN ('synced', 'pending', 'failed')),
  sync_error text,
  sync_attempts integer NOT NULL DEFAULT 0,
  last_synced_at timestamptz,
  webhook_url text,
  webhook_ok boolean NOT NULL DEFAULT false,
  sync_lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX agents_organization_id_idx ON agents (organization_id, created_at);
CREATE UNIQUE INDEX agents_provider_agent_key ON agents (provider, provider_agent_id) WHERE provider_agent_id IS NOT NULL;

CREATE TABLE calls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
  provider text NOT NULL DEFAULT 'bolna',
  provider_call_id text,
  direction text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
  status text NOT NULL CHECK (status IN ('queued', 'initiated', 'ringing', 'in_progress', 'call_disconnected',
    'completed', 'busy', 'no_answer', 'failed', 'canceled', 'stopped', 'error', 'balance_low')),
  to_number text,
  from_number text,
  duration numeric(12, 3),
  transcription text,
  recording_url text,
  summary text,
  extracted_data jsonb,
  total_cost_cents numeric(14, 4),
  cost_breakdown jsonb,
  hangup_by text,
  hangup_reason text,
  hangup_provider_code integer,
  error_message text,
  started_at timestamptz,
  ended_at timestamptz,
  provider_raw jsonb,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX calls_provider_call_key ON calls (provider, provider_call_id) WHERE provider_call_id IS NOT NULL;
CREATE INDEX calls_org_created_idx ON calls (organization_id, created_at DESC, id DESC);
CREATE INDEX calls_org_status_created_idx ON calls (organization_id, status, created_at DESC, id DESC);
CREATE INDEX calls_org_agent_created_idx ON calls (organization_id, agent_id, created_at DESC, id DESC);
