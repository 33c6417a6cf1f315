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

    PRIMARY KEY ("runId", "classIndex", "batch"),
    CONSTRAINT "RunBatch_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PredictionRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

INSERT INTO "RunBatch" ("runId", "classIndex", "batch", "eventIds", "energiesTeV", "scores", "errors")
SELECT p."runId", c."key", p."batch",
       json_group_array(p."eventId" ORDER BY p."isSample" DESC, p."eventId"),
       json_group_array(e."energyTeV" ORDER BY p."isSample" DESC, p."eventId"),
       json_group_array(json(p."scores") ORDER BY p."isSample" DESC, p."eventId"),
       json_group_array(p."error" ORDER BY p."isSample" DESC, p."eventId")
FROM "Prediction" p
JOIN "Event" e ON e."id" = p."eventId"
JOIN "PredictionRun" r ON r."id" = p."runId"
JOIN json_each(r."classes") c ON c."value" = e."label"
GROUP BY p."runId", c."key", p."batch";

DROP TABLE "Prediction";
