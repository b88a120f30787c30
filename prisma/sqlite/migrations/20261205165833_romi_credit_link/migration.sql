-- AlterTable
ALTER TABLE "RomiCredit" ADD COLUMN "link" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RomiBuild" (
    "runId" TEXT NOT NULL PRIMARY KEY,
    "builtAt" DATETIME NOT NULL,
    "joinField" TEXT NOT NULL,
    "linkedPayments" INTEGER NOT NULL DEFAULT 0,
    "payments" INTEGER NOT NULL DEFAULT 0,
    "deals" INTEGER NOT NULL DEFAULT 0,
    "spendRows" INTEGER NOT NULL DEFAULT 0,
    "durationMs" INTEGER NOT NULL DEFAULT 0,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "creditLinks" BOOLEAN NOT NULL DEFAULT false
);
INSERT INTO "new_RomiBuild" ("builtAt", "deals", "durationMs", "joinField", "linkedPayments", "payments", "revision", "runId", "spendRows") SELECT "builtAt", "deals", "durationMs", "joinField", "linkedPayments", "payments", "revision", "runId", "spendRows" FROM "RomiBuild";
DROP TABLE "RomiBuild";
ALTER TABLE "new_RomiBuild" RENAME TO "RomiBuild";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "RomiCredit_runId_kind_link_idx" ON "RomiCredit"("runId", "kind", "link");
