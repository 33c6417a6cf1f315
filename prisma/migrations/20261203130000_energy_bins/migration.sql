-- Runs over several energy bins: the bins as they were when the run started (JSON array of
-- {index, minTeV, maxTeV}); null for runs over all energies and for runs from before this migration,
-- whose one bin is in energyBin / energyMinTeV / energyMaxTeV (still written for one-bin runs).
ALTER TABLE "PredictionRun" ADD COLUMN "energyBins" TEXT;
-- The history lists runs newest first, filtered by model, dataset or status.
CREATE INDEX "PredictionRun_modelId_createdAt_idx" ON "PredictionRun"("modelId", "createdAt");
CREATE INDEX "PredictionRun_datasetId_createdAt_idx" ON "PredictionRun"("datasetId", "createdAt");
