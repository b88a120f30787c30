-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Ingestion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT NOT NULL,
    "profileVersionId" TEXT,
    "channel" TEXT NOT NULL,
    "fileName" TEXT,
    "fileSha256" TEXT,
    "fileSize" BIGINT,
    "format" TEXT,
    "status" TEXT NOT NULL,
    "onInvalid" TEXT NOT NULL DEFAULT 'abort',
    "rowsTotal" INTEGER NOT NULL DEFAULT 0,
    "rowsValid" INTEGER NOT NULL DEFAULT 0,
    "rowsInvalid" INTEGER NOT NULL DEFAULT 0,
    "bytesTotal" BIGINT NOT NULL DEFAULT 0,
    "bytesProcessed" BIGINT NOT NULL DEFAULT 0,
    "message" TEXT,
    "stagedPath" TEXT,
    "duplicateOfId" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "Ingestion_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ingestion_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Ingestion" ("bytesProcessed", "bytesTotal", "channel", "createdAt", "createdById", "duplicateOfId", "fileName", "fileSha256", "fileSize", "finishedAt", "format", "id", "message", "onInvalid", "profileVersionId", "rowsInvalid", "rowsTotal", "rowsValid", "sourceId", "stagedPath", "startedAt", "status") SELECT "bytesProcessed", "bytesTotal", "channel", "createdAt", "createdById", "duplicateOfId", "fileName", "fileSha256", "fileSize", "finishedAt", "format", "id", "message", "onInvalid", "profileVersionId", "rowsInvalid", "rowsTotal", "rowsValid", "sourceId", "stagedPath", "startedAt", "status" FROM "Ingestion";
DROP TABLE "Ingestion";
ALTER TABLE "new_Ingestion" RENAME TO "Ingestion";
CREATE INDEX "Ingestion_sourceId_fileSha256_idx" ON "Ingestion"("sourceId", "fileSha256");
CREATE INDEX "Ingestion_sourceId_createdAt_idx" ON "Ingestion"("sourceId", "createdAt");
CREATE INDEX "Ingestion_status_idx" ON "Ingestion"("status");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
