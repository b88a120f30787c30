-- CreateTable
CREATE TABLE "ChannelAlias" (
    "value" TEXT NOT NULL PRIMARY KEY,
    "channel" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    "updatedById" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Reconciliation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ledgerRunId" TEXT NOT NULL,
    "ruleSetName" TEXT NOT NULL,
    "members" TEXT NOT NULL,
    "matching" TEXT NOT NULL DEFAULT '{}',
    "romi" TEXT NOT NULL DEFAULT '{}',
    "ledgerVersion" INTEGER NOT NULL DEFAULT 0,
    "lastPassAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "archivedAt" DATETIME,
    CONSTRAINT "Reconciliation_ledgerRunId_fkey" FOREIGN KEY ("ledgerRunId") REFERENCES "Run" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Reconciliation" ("archivedAt", "createdAt", "createdById", "description", "id", "lastPassAt", "ledgerRunId", "ledgerVersion", "matching", "members", "name", "ruleSetName") SELECT "archivedAt", "createdAt", "createdById", "description", "id", "lastPassAt", "ledgerRunId", "ledgerVersion", "matching", "members", "name", "ruleSetName" FROM "Reconciliation";
DROP TABLE "Reconciliation";
ALTER TABLE "new_Reconciliation" RENAME TO "Reconciliation";
CREATE UNIQUE INDEX "Reconciliation_name_key" ON "Reconciliation"("name");
CREATE UNIQUE INDEX "Reconciliation_ledgerRunId_key" ON "Reconciliation"("ledgerRunId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
