-- CreateTable
CREATE TABLE "RunPartition" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "heartbeatAt" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "rows" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT,
    "message" TEXT,
    CONSTRAINT "RunPartition_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "createdByEmail" TEXT,
    "status" TEXT NOT NULL,
    "ruleSetId" TEXT NOT NULL,
    "inputs" TEXT NOT NULL,
    "inputsHash" TEXT NOT NULL,
    "phase" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    "totalKeys" INTEGER NOT NULL DEFAULT 0,
    "matched" INTEGER NOT NULL DEFAULT 0,
    "mismatched" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "duplicate" INTEGER NOT NULL DEFAULT 0,
    "critical" INTEGER NOT NULL DEFAULT 0,
    "autoResolved" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "heartbeatAt" DATETIME,
    "partitions" INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT "Run_ruleSetId_fkey" FOREIGN KEY ("ruleSetId") REFERENCES "RuleSet" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Run" ("autoResolved", "createdAt", "createdByEmail", "createdById", "critical", "duplicate", "durationMs", "finishedAt", "id", "inputs", "inputsHash", "matched", "message", "mismatched", "missing", "phase", "progress", "progressTotal", "ruleSetId", "startedAt", "status", "summary", "totalKeys") SELECT "autoResolved", "createdAt", "createdByEmail", "createdById", "critical", "duplicate", "durationMs", "finishedAt", "id", "inputs", "inputsHash", "matched", "message", "mismatched", "missing", "phase", "progress", "progressTotal", "ruleSetId", "startedAt", "status", "summary", "totalKeys" FROM "Run";
DROP TABLE "Run";
ALTER TABLE "new_Run" RENAME TO "Run";
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt");
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
    "keyBucket" INTEGER NOT NULL DEFAULT -1,
    CONSTRAINT "SourceRecord_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SourceRecord_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SourceRecord_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_SourceRecord" ("amountMinor", "attrs", "code", "currency", "dataset", "date", "eventId", "fileSha256", "id", "ingestionId", "key", "line", "occurredAt", "profileVersionId", "raw", "sourceId", "status", "txId") SELECT "amountMinor", "attrs", "code", "currency", "dataset", "date", "eventId", "fileSha256", "id", "ingestionId", "key", "line", "occurredAt", "profileVersionId", "raw", "sourceId", "status", "txId" FROM "SourceRecord";
DROP TABLE "SourceRecord";
ALTER TABLE "new_SourceRecord" RENAME TO "SourceRecord";
CREATE INDEX "SourceRecord_sourceId_key_idx" ON "SourceRecord"("sourceId", "key");
CREATE INDEX "SourceRecord_ingestionId_idx" ON "SourceRecord"("ingestionId");
CREATE INDEX "SourceRecord_sourceId_occurredAt_idx" ON "SourceRecord"("sourceId", "occurredAt");
CREATE INDEX "SourceRecord_sourceId_keyBucket_key_idx" ON "SourceRecord"("sourceId", "keyBucket", "key");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RunPartition_runId_status_idx" ON "RunPartition"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "RunPartition_runId_index_key" ON "RunPartition"("runId", "index");
