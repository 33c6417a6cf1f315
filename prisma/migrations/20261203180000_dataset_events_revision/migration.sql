-- Raised by every write to a dataset's events, so that a process's cached event selections notice changes
-- made by another process (astri ingest, another replica).
ALTER TABLE "Dataset" ADD COLUMN "eventsRevision" INTEGER NOT NULL DEFAULT 0;
