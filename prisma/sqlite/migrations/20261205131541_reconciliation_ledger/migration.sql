-- AlterTable
ALTER TABLE "RunResult" ADD COLUMN "changedAt" DATETIME;
ALTER TABLE "RunResult" ADD COLUMN "reopenReason" TEXT;
ALTER TABLE "RunResult" ADD COLUMN "reopenedAt" DATETIME;

-- CreateTable
CREATE TABLE "Reconciliation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ledgerRunId" TEXT NOT NULL,
    "ruleSetName" TEXT NOT NULL,
    "members" TEXT NOT NULL,
    "ledgerVersion" INTEGER NOT NULL DEFAULT 0,
    "lastPassAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "archivedAt" DATETIME,
    CONSTRAINT "Reconciliation_ledgerRunId_fkey" FOREIGN KEY ("ledgerRunId") REFERENCES "Run" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReconciliationPass" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reconciliationId" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "triggerRef" TEXT,
    "actorEmail" TEXT,
    "scope" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "keysRead" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "reopened" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "autoResolved" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "durationMs" INTEGER,
    CONSTRAINT "ReconciliationPass_reconciliationId_fkey" FOREIGN KEY ("reconciliationId") REFERENCES "Reconciliation" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EntryHistory" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "resultId" INTEGER NOT NULL,
    "passId" TEXT,
    "change" TEXT NOT NULL,
    "factsBefore" TEXT,
    "factsAfter" TEXT NOT NULL,
    "reason" TEXT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EntryHistory_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "RunResult" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Run" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL DEFAULT 'run',
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
INSERT INTO "new_Run" ("attempt", "autoResolved", "createdAt", "createdByEmail", "createdById", "critical", "duplicate", "durationMs", "finishedAt", "heartbeatAt", "id", "inputs", "inputsHash", "matched", "message", "mismatched", "missing", "partitions", "phase", "progress", "progressTotal", "ruleSetId", "startedAt", "status", "summary", "totalKeys") SELECT "attempt", "autoResolved", "createdAt", "createdByEmail", "createdById", "critical", "duplicate", "durationMs", "finishedAt", "heartbeatAt", "id", "inputs", "inputsHash", "matched", "message", "mismatched", "missing", "partitions", "phase", "progress", "progressTotal", "ruleSetId", "startedAt", "status", "summary", "totalKeys" FROM "Run";
DROP TABLE "Run";
ALTER TABLE "new_Run" RENAME TO "Run";
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Reconciliation_name_key" ON "Reconciliation"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Reconciliation_ledgerRunId_key" ON "Reconciliation"("ledgerRunId");

-- CreateIndex
CREATE INDEX "ReconciliationPass_reconciliationId_createdAt_idx" ON "ReconciliationPass"("reconciliationId", "createdAt");

-- CreateIndex
CREATE INDEX "ReconciliationPass_status_createdAt_idx" ON "ReconciliationPass"("status", "createdAt");

-- CreateIndex
CREATE INDEX "EntryHistory_resultId_at_idx" ON "EntryHistory"("resultId", "at");

-- Upgrade (docs/ledger.md): each rule set's newest completed run becomes the ledger of a
-- reconciliation of the same name. Its result rows are the entries, so every resolution, comment
-- and escalation stays attached; older runs stay readable as before.
INSERT INTO "Reconciliation" ("id", "name", "description", "ledgerRunId", "ruleSetName", "members", "ledgerVersion", "lastPassAt", "createdAt", "createdById")
SELECT 'upg_' || r."id", rs."name", 'Carried over from run ' || r."id" || ' when the ledger was introduced.', r."id", rs."name", r."inputs", 1, r."finishedAt", r."createdAt", r."createdById"
FROM "Run" r JOIN "RuleSet" rs ON rs."id" = r."ruleSetId"
WHERE r."status" = 'completed' AND NOT EXISTS (
  SELECT 1 FROM "Run" r2 JOIN "RuleSet" rs2 ON rs2."id" = r2."ruleSetId"
  WHERE rs2."name" = rs."name" AND r2."status" = 'completed'
    AND (r2."createdAt" > r."createdAt" OR (r2."createdAt" = r."createdAt" AND r2."id" > r."id"))
);

UPDATE "Run" SET "kind" = 'ledger' WHERE "id" IN (SELECT "ledgerRunId" FROM "Reconciliation");

INSERT INTO "ReconciliationPass" ("id", "reconciliationId", "trigger", "triggerRef", "scope", "status", "keysRead", "created", "createdAt", "startedAt", "finishedAt", "durationMs")
SELECT 'upg_' || r."id", 'upg_' || r."id", 'upgrade', r."id", 'full', 'completed', r."totalKeys", r."totalKeys", r."createdAt", r."startedAt", r."finishedAt", r."durationMs"
FROM "Run" r WHERE r."kind" = 'ledger';
