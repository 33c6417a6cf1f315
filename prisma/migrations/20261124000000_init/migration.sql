-- CreateTable
CREATE TABLE "Dataset" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "rootDir" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Event" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "datasetId" INTEGER NOT NULL,
    "particle" TEXT NOT NULL,
    "energyTeV" REAL NOT NULL,
    "imagePath" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "contentHash" TEXT NOT NULL,
    CONSTRAINT "Event_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Model" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "inputShape" TEXT NOT NULL,
    "classNames" TEXT NOT NULL,
    "outputKind" TEXT NOT NULL,
    "gammaClassIndex" INTEGER NOT NULL,
    "pixelScale" REAL NOT NULL,
    "parameterCount" INTEGER NOT NULL,
    "kerasVersion" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "PredictionRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "modelId" INTEGER NOT NULL,
    "energyBin" INTEGER NOT NULL,
    "energyMinTeV" REAL NOT NULL,
    "energyMaxTeV" REAL NOT NULL,
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
    CONSTRAINT "PredictionRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Prediction" (
    "runId" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "gammaness" REAL,
    "error" TEXT,
    "isSample" BOOLEAN NOT NULL DEFAULT false,
    "batch" INTEGER NOT NULL,

    PRIMARY KEY ("runId", "eventId"),
    CONSTRAINT "Prediction_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PredictionRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Prediction_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CachedPrediction" (
    "modelSha256" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "gammaness" REAL NOT NULL,
    "outputs" TEXT NOT NULL,

    PRIMARY KEY ("modelSha256", "eventId")
);

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");

-- CreateIndex
CREATE INDEX "Event_datasetId_particle_energyTeV_idx" ON "Event"("datasetId", "particle", "energyTeV");

-- CreateIndex
CREATE INDEX "Event_particle_energyTeV_idx" ON "Event"("particle", "energyTeV");

-- CreateIndex
CREATE UNIQUE INDEX "Event_datasetId_imagePath_key" ON "Event"("datasetId", "imagePath");

-- CreateIndex
CREATE UNIQUE INDEX "Model_sha256_key" ON "Model"("sha256");

-- CreateIndex
CREATE INDEX "PredictionRun_createdAt_idx" ON "PredictionRun"("createdAt");
