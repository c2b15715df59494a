-- Deliveries are looked up by execution id only while they wait as orphans (an orphan is applied
-- when its call appears): the index on (organization_id, provider_call_id) now covers orphans only,
-- so the merged deliveries (nearly all of them) no longer pay for an entry in it.
DROP INDEX webhook_events_provider_call_idx;
CREATE INDEX webhook_events_orphan_call_idx ON webhook_events (organization_id, provider_call_id)
  WHERE verdict = 'orphan';
