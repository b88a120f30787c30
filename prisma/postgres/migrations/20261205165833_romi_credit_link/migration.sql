-- AlterTable
ALTER TABLE "RomiBuild" ADD COLUMN     "creditLinks" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "RomiCredit" ADD COLUMN     "link" TEXT;

-- CreateIndex
CREATE INDEX "RomiCredit_runId_kind_link_idx" ON "RomiCredit"("runId", "kind", "link");
