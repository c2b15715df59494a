-- The large values (delivery bodies, transcripts, summaries, merge bookkeeping) are compressed with
-- LZ4 rather than PostgreSQL's default pglz once a row outgrows a page's quarter: about the same
-- size on disk, and inserting the ingest benchmark's deliveries costs the database about a quarter
-- less CPU (`npm run bench:compression`, docs/benchmarks.md). Existing values stay as they are; new
-- ones use LZ4. A server built without LZ4 (and PGlite, the embedded database) keeps pglz.
DO $$
BEGIN
  ALTER TABLE webhook_events ALTER COLUMN payload SET COMPRESSION lz4,
                             ALTER COLUMN headers SET COMPRESSION lz4;
  ALTER TABLE calls ALTER COLUMN transcription SET COMPRESSION lz4,
                    ALTER COLUMN summary SET COMPRESSION lz4,
                    ALTER COLUMN extracted_data SET COMPRESSION lz4,
                    ALTER COLUMN merge_state SET COMPRESSION lz4,
                    ALTER COLUMN metadata SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'LZ4 is not available: large values stay compressed with pglz';
END
$$;
