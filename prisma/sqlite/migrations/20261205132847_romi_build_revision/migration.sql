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
    "revision" INTEGER NOT NULL DEFAULT 0
);
INSERT INTO "new_RomiBuild" ("builtAt", "deals", "durationMs", "joinField", "linkedPayments", "payments", "runId", "spendRows") SELECT "builtAt", "deals", "durationMs", "joinField", "linkedPayments", "payments", "runId", "spendRows" FROM "RomiBuild";
DROP TABLE "RomiBuild";
ALTER TABLE "new_RomiBuild" RENAME TO "RomiBuild";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
