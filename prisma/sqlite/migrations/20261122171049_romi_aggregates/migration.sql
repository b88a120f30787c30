-- CreateTable
CREATE TABLE "RomiDaily" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "campaign" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "revenueMinor" BIGINT NOT NULL DEFAULT 0,
    "refundMinor" BIGINT NOT NULL DEFAULT 0,
    "notCountedMinor" BIGINT NOT NULL DEFAULT 0,
    "spendMinor" BIGINT NOT NULL DEFAULT 0,
    "leadsMilli" INTEGER NOT NULL DEFAULT 0,
    "dealsMilli" INTEGER NOT NULL DEFAULT 0,
    "paidDealsMilli" INTEGER NOT NULL DEFAULT 0,
    "paidTx" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "RomiCredit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "runId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ref" INTEGER NOT NULL,
    "dealKey" TEXT,
    "day" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "campaign" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "weightPpm" INTEGER NOT NULL
);

-- CreateTable
CREATE TABLE "RomiBuild" (
    "runId" TEXT NOT NULL PRIMARY KEY,
    "builtAt" DATETIME NOT NULL,
    "joinField" TEXT NOT NULL,
    "linkedPayments" INTEGER NOT NULL DEFAULT 0,
    "payments" INTEGER NOT NULL DEFAULT 0,
    "deals" INTEGER NOT NULL DEFAULT 0,
    "spendRows" INTEGER NOT NULL DEFAULT 0,
    "durationMs" INTEGER NOT NULL DEFAULT 0
);

-- CreateIndex
CREATE INDEX "RomiDaily_runId_model_channel_day_idx" ON "RomiDaily"("runId", "model", "channel", "day");

-- CreateIndex
CREATE UNIQUE INDEX "RomiDaily_runId_model_day_channel_campaign_currency_key" ON "RomiDaily"("runId", "model", "day", "channel", "campaign", "currency");

-- CreateIndex
CREATE INDEX "RomiCredit_runId_model_kind_channel_campaign_day_idx" ON "RomiCredit"("runId", "model", "kind", "channel", "campaign", "day");

-- CreateIndex
CREATE INDEX "RomiCredit_runId_kind_ref_idx" ON "RomiCredit"("runId", "kind", "ref");

-- CreateIndex
CREATE INDEX "RomiCredit_runId_kind_dealKey_idx" ON "RomiCredit"("runId", "kind", "dealKey");
