-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SourceRecord" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceId" TEXT NOT NULL,
    "ingestionId" TEXT,
    "profileVersionId" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "line" INTEGER,
    "eventId" TEXT,
    "fileSha256" TEXT,
    "key" TEXT NOT NULL,
    "txId" TEXT NOT NULL,
    "occurredAt" DATETIME,
    "date" TEXT,
    "amountMinor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "attrs" TEXT,
    "raw" TEXT,
    "keyBucket" INTEGER NOT NULL DEFAULT -1
);
INSERT INTO "new_SourceRecord" ("amountMinor", "attrs", "code", "currency", "dataset", "date", "eventId", "fileSha256", "id", "ingestionId", "key", "keyBucket", "line", "occurredAt", "profileVersionId", "raw", "sourceId", "status", "txId") SELECT "amountMinor", "attrs", "code", "currency", "dataset", "date", "eventId", "fileSha256", "id", "ingestionId", "key", "keyBucket", "line", "occurredAt", "profileVersionId", "raw", "sourceId", "status", "txId" FROM "SourceRecord";
DROP TABLE "SourceRecord";
ALTER TABLE "new_SourceRecord" RENAME TO "SourceRecord";
CREATE INDEX "SourceRecord_sourceId_key_idx" ON "SourceRecord"("sourceId", "key");
CREATE INDEX "SourceRecord_ingestionId_idx" ON "SourceRecord"("ingestionId");
CREATE INDEX "SourceRecord_sourceId_keyBucket_key_idx" ON "SourceRecord"("sourceId", "keyBucket", "key");
CREATE INDEX "SourceRecord_sourceId_status_code_idx" ON "SourceRecord"("sourceId", "status", "code");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
