-- The schema of prisma/schema.prisma as it stands after the SQLite migrations up to 20261203130000_energy_bins,
-- in PostgreSQL's types (what `prisma migrate diff --from-empty` writes for prisma/postgresql/schema.prisma).

-- CreateTable
CREATE TABLE "Dataset" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "rootDir" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "classes" TEXT NOT NULL DEFAULT '[{"name":"proton","color":null},{"name":"gamma","color":null}]',
    "signalClass" TEXT,
    "state" TEXT NOT NULL DEFAULT 'ready',
    "energyEdgesTeV" TEXT,
    "imageWidth" INTEGER,
    "imageHeight" INTEGER,
    "imageChannels" INTEGER,
    "contentSha256" TEXT,
    "rejectedFiles" TEXT NOT NULL DEFAULT '[]',
    "sourceUrl" TEXT,
    "storeUrl" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Event" (
    "id" SERIAL NOT NULL,
    "datasetId" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "energyTeV" DOUBLE PRECISION,
    "imagePath" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "contentHash" TEXT NOT NULL,
    "attributes" TEXT,

    CONSTRAINT "Event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Model" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "file" TEXT NOT NULL,
    "sourceUrl" TEXT,
    "storeUrl" TEXT,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PredictionRun" (
    "id" TEXT NOT NULL,
    "modelId" INTEGER NOT NULL,
    "datasetId" INTEGER,
    "classes" TEXT NOT NULL,
    "signalClass" TEXT,
    "classMapping" TEXT NOT NULL,
    "energyBin" INTEGER,
    "energyMinTeV" DOUBLE PRECISION,
    "energyMaxTeV" DOUBLE PRECISION,
    "energyBins" TEXT,
    "eventsPerClass" INTEGER NOT NULL,
    "samples" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "backend" TEXT,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "elapsedMs" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "owner" TEXT,

    CONSTRAINT "PredictionRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Prediction" (
    "runId" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "scores" TEXT,
    "error" TEXT,
    "isSample" BOOLEAN NOT NULL DEFAULT false,
    "batch" INTEGER NOT NULL,

    CONSTRAINT "Prediction_pkey" PRIMARY KEY ("runId","eventId")
);

-- CreateTable
CREATE TABLE "CachedPrediction" (
    "modelSha256" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "outputs" TEXT NOT NULL,

    CONSTRAINT "CachedPrediction_pkey" PRIMARY KEY ("modelSha256","eventId")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "secretSha256" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");
CREATE INDEX "Dataset_contentSha256_idx" ON "Dataset"("contentSha256");
CREATE INDEX "Event_datasetId_label_energyTeV_idx" ON "Event"("datasetId", "label", "energyTeV");
CREATE UNIQUE INDEX "Event_datasetId_imagePath_key" ON "Event"("datasetId", "imagePath");
CREATE UNIQUE INDEX "Model_sha256_key" ON "Model"("sha256");
CREATE INDEX "PredictionRun_createdAt_idx" ON "PredictionRun"("createdAt");
CREATE INDEX "PredictionRun_modelId_createdAt_idx" ON "PredictionRun"("modelId", "createdAt");
CREATE INDEX "PredictionRun_datasetId_createdAt_idx" ON "PredictionRun"("datasetId", "createdAt");
CREATE INDEX "PredictionRun_owner_createdAt_idx" ON "PredictionRun"("owner", "createdAt");
CREATE UNIQUE INDEX "ApiToken_secretSha256_key" ON "ApiToken"("secretSha256");
CREATE INDEX "ApiToken_name_idx" ON "ApiToken"("name");

-- AddForeignKey
ALTER TABLE "Event" ADD CONSTRAINT "Event_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PredictionRun" ADD CONSTRAINT "PredictionRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "PredictionRun" ADD CONSTRAINT "PredictionRun_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_runId_fkey" FOREIGN KEY ("runId") REFERENCES "PredictionRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE CASCADE ON UPDATE CASCADE;
