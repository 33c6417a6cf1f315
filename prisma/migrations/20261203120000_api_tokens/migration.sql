-- API tokens with a role (reader | runner | admin), stored as the SHA-256 of the secret only; and the owner of
-- each prediction run (the principal that started it: per-token limits and "cancel your own runs").

CREATE TABLE "ApiToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "secretSha256" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME
);
CREATE UNIQUE INDEX "ApiToken_secretSha256_key" ON "ApiToken"("secretSha256");
CREATE INDEX "ApiToken_name_idx" ON "ApiToken"("name");

ALTER TABLE "PredictionRun" ADD COLUMN "owner" TEXT;
CREATE INDEX "PredictionRun_owner_createdAt_idx" ON "PredictionRun"("owner", "createdAt");
