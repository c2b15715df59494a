-- A call no longer keeps a copy of the most advanced provider snapshot it merged: its merge
-- bookkeeping (`merge_state.rawDigest`) names that snapshot's payload digest, and the body itself is
-- in the event log (`webhook_events.payload`, every delivery, poll and sync reading). Rows merged
-- before this keep their bookkeeping; their next merge records the digest.
ALTER TABLE calls DROP COLUMN provider_raw;
