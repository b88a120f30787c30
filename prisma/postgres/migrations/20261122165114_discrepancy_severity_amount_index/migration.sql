-- CreateIndex
CREATE INDEX "RunResult_runId_severityRank_amountMinor_idx" ON "RunResult"("runId", "severityRank", "amountMinor");
