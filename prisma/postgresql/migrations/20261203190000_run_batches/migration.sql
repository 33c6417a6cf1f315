-- A run's predictions, one row per batch instead of one per event: storing a 4000-event run was 4000 rows
-- (17-120 ms of the server's main thread), loading it back a 4000-row join. The stored predictions are moved
-- over, each batch's sample events first (the samples are the first events of a class), then by event id,
-- with the event's energy; then the per-event table goes.
CREATE TABLE "RunBatch" (
    "runId" TEXT NOT NULL,
    "classIndex" INTEGER NOT NULL,
    "batch" INTEGER NOT NULL,
    "eventIds" TEXT NOT NULL,
    "energiesTeV" TEXT NOT NULL,
    "scores" TEXT NOT NULL,
    "errors" TEXT NOT NULL,

    CONSTRAINT "RunBatch_pkey" PRIMARY KEY ("runId","classIndex","batch")
);

ALTER TABLE "RunBatch" ADD CONSTRAINT "RunBatch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PredictionRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "RunBatch" ("runId", "classIndex", "batch", "eventIds", "energiesTeV", "scores", "errors")
SELECT p."runId", (c."position" - 1)::INTEGER, p."batch",
       json_agg(p."eventId" ORDER BY p."isSample" DESC, p."eventId")::TEXT,
       json_agg(e."energyTeV" ORDER BY p."isSample" DESC, p."eventId")::TEXT,
       json_agg(p."scores"::JSON ORDER BY p."isSample" DESC, p."eventId")::TEXT,
       json_agg(p."error" ORDER BY p."isSample" DESC, p."eventId")::TEXT
FROM "Prediction" p
JOIN "Event" e ON e."id" = p."eventId"
JOIN "PredictionRun" r ON r."id" = p."runId"
CROSS JOIN LATERAL json_array_elements_text(r."classes"::JSON) WITH ORDINALITY AS c("name", "position")
WHERE c."name" = e."label"
GROUP BY p."runId", c."position", p."batch";

DROP TABLE "Prediction";
