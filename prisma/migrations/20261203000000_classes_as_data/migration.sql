-- Classes as data: datasets declare their classes, events carry a label and an optional energy,
-- models their preprocessing, runs their classes and class mapping, predictions a score per class.
-- Tables are rebuilt the way Prisma rebuilds SQLite tables; the runner turns foreign keys off around it.

-- Dataset: classes, state of an upload, energy edges, image geometry, refused files.
ALTER TABLE "Dataset" ADD COLUMN "classes" TEXT NOT NULL DEFAULT '[{"name":"proton","color":null},{"name":"gamma","color":null}]';
ALTER TABLE "Dataset" ADD COLUMN "signalClass" TEXT;
ALTER TABLE "Dataset" ADD COLUMN "state" TEXT NOT NULL DEFAULT 'ready';
ALTER TABLE "Dataset" ADD COLUMN "energyEdgesTeV" TEXT;
ALTER TABLE "Dataset" ADD COLUMN "imageWidth" INTEGER;
ALTER TABLE "Dataset" ADD COLUMN "imageHeight" INTEGER;
ALTER TABLE "Dataset" ADD COLUMN "imageChannels" INTEGER;
ALTER TABLE "Dataset" ADD COLUMN "contentSha256" TEXT;
ALTER TABLE "Dataset" ADD COLUMN "rejectedFiles" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "Dataset" ADD COLUMN "error" TEXT;
-- Every dataset before this migration was a gamma/proton one.
UPDATE "Dataset" SET "signalClass" = 'gamma';
CREATE INDEX "Dataset_contentSha256_idx" ON "Dataset"("contentSha256");

-- Event: particle -> label, energy optional, manifest attributes.
CREATE TABLE "new_Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "energyTeV" REAL,
    "imagePath" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "contentHash" TEXT NOT NULL,
    "attributes" TEXT,
    CONSTRAINT "Event_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Event" ("id", "datasetId", "label", "energyTeV", "imagePath", "width", "height", "channels", "contentHash")
    SELECT "id", "datasetId", "particle", "energyTeV", "imagePath", "width", "height", "channels", "contentHash" FROM "Event";
DROP TABLE "Event";
ALTER TABLE "new_Event" RENAME TO "Event";
CREATE INDEX "Event_datasetId_label_energyTeV_idx" ON "Event"("datasetId", "label", "energyTeV");
CREATE UNIQUE INDEX "Event_datasetId_imagePath_key" ON "Event"("datasetId", "imagePath");

-- Model: preprocessing and where the class names came from replace pixelScale and gammaClassIndex.
CREATE TABLE "new_Model" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "inputShape" TEXT NOT NULL,
    "inputLayout" TEXT NOT NULL DEFAULT 'HWC',
    "classNames" TEXT NOT NULL,
    "classNamesSource" TEXT NOT NULL DEFAULT 'config',
    "outputKind" TEXT NOT NULL,
    "preprocessing" TEXT NOT NULL,
    "parameterCount" INTEGER NOT NULL,
    "kerasVersion" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_Model" ("id", "name", "version", "file", "sha256", "format", "inputShape", "classNames", "outputKind", "preprocessing", "parameterCount", "kerasVersion", "createdAt")
    SELECT "id", "name", "version", "file", "sha256", "format", "inputShape",
           CASE WHEN "outputKind" = 'sigmoid' THEN '["proton","gamma"]' ELSE "classNames" END,
           "outputKind",
           json_object('colorMode', CASE WHEN json_extract("inputShape", '$[2]') = 3 THEN 'rgb' ELSE 'grayscale' END,
                       'scale', "pixelScale", 'offset', 0, 'mean', json('[]'), 'std', json('[]')),
           "parameterCount", "kerasVersion", "createdAt" FROM "Model";
DROP TABLE "Model";
ALTER TABLE "new_Model" RENAME TO "Model";
CREATE UNIQUE INDEX "Model_sha256_key" ON "Model"("sha256");

-- PredictionRun: the dataset, its classes and the class mapping; the energy bin is optional.
CREATE TABLE "new_PredictionRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "modelId" INTEGER NOT NULL,
    "datasetId" INTEGER,
    "classes" TEXT NOT NULL,
    "signalClass" TEXT,
    "classMapping" TEXT NOT NULL,
    "energyBin" INTEGER,
    "energyMinTeV" REAL,
    "energyMaxTeV" REAL,
    "eventsPerClass" INTEGER NOT NULL,
    "samples" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "backend" TEXT,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "elapsedMs" REAL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "PredictionRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "PredictionRun_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_PredictionRun" ("id", "modelId", "classes", "signalClass", "classMapping", "energyBin", "energyMinTeV", "energyMaxTeV", "eventsPerClass", "samples", "seed", "status", "error", "backend", "failedCount", "elapsedMs", "createdAt", "finishedAt")
    SELECT "id", "modelId", '["proton","gamma"]', 'gamma', '[0,1]', "energyBin", "energyMinTeV", "energyMaxTeV", "eventsPerClass", "samples", "seed", "status", "error", "backend", "failedCount", "elapsedMs", "createdAt", "finishedAt" FROM "PredictionRun";
DROP TABLE "PredictionRun";
ALTER TABLE "new_PredictionRun" RENAME TO "PredictionRun";
CREATE INDEX "PredictionRun_createdAt_idx" ON "PredictionRun"("createdAt");

-- Prediction: a score per run class (JSON array, the run's class order) replaces gammaness.
CREATE TABLE "new_Prediction" (
    "runId" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "scores" TEXT,
    "error" TEXT,
    "isSample" BOOLEAN NOT NULL DEFAULT false,
    "batch" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "eventId"),
    CONSTRAINT "Prediction_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PredictionRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Prediction_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Prediction" ("runId", "eventId", "scores", "error", "isSample", "batch")
    SELECT "runId", "eventId", CASE WHEN "gammaness" IS NULL THEN NULL ELSE json_array(1 - "gammaness", "gammaness") END, "error", "isSample", "batch" FROM "Prediction";
DROP TABLE "Prediction";
ALTER TABLE "new_Prediction" RENAME TO "Prediction";

-- CachedPrediction: the raw outputs are what depends on (model, event); gammaness was one of them.
CREATE TABLE "new_CachedPrediction" (
    "modelSha256" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "outputs" TEXT NOT NULL,

    PRIMARY KEY ("modelSha256", "eventId")
);
INSERT INTO "new_CachedPrediction" ("modelSha256", "eventId", "outputs") SELECT "modelSha256", "eventId", "outputs" FROM "CachedPrediction";
DROP TABLE "CachedPrediction";
ALTER TABLE "new_CachedPrediction" RENAME TO "CachedPrediction";
