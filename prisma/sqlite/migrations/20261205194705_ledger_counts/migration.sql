-- CreateTable
CREATE TABLE "LedgerCount" (
    "runId" TEXT NOT NULL,
    "dim" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "n" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("runId", "dim", "value")
);

-- CreateIndex
CREATE INDEX "SourceRecord_sourceId_status_code_idx" ON "SourceRecord"("sourceId", "status", "code");

-- The existing ledgers' counts, from their entries (a pass moves them from now on).
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'cls', "cls", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "cls";
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'severity', "severity", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "severity";
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'reasons', "reasons", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "reasons";
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'missingIn', "missingIn", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "missingIn";
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'duplicateIn', "duplicateIn", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "duplicateIn";
INSERT INTO "LedgerCount" ("runId", "dim", "value", "n") SELECT "runId", 'action', "action", COUNT(*) FROM "RunResult" WHERE "runId" IN (SELECT "ledgerRunId" FROM "Reconciliation") GROUP BY "runId", "action";
