-- CreateIndex
CREATE INDEX "EntryHistory_passId_idx" ON "EntryHistory"("passId");
