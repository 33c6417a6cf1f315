-- Datasets and models from object storage (S3, MinIO): where each came from, and where the shared store keeps it.
ALTER TABLE "Dataset" ADD COLUMN "sourceUrl" TEXT;
ALTER TABLE "Dataset" ADD COLUMN "storeUrl" TEXT;
ALTER TABLE "Model" ADD COLUMN "sourceUrl" TEXT;
ALTER TABLE "Model" ADD COLUMN "storeUrl" TEXT;
