-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "heartbeatAt" TIMESTAMP(3),
ADD COLUMN     "partitions" INTEGER NOT NULL DEFAULT 1;

-- AlterTable
ALTER TABLE "SourceRecord" ADD COLUMN     "keyBucket" INTEGER NOT NULL DEFAULT -1;

-- CreateTable
CREATE TABLE "RunPartition" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "heartbeatAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "rows" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT,
    "message" TEXT,

    CONSTRAINT "RunPartition_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RunPartition_runId_status_idx" ON "RunPartition"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "RunPartition_runId_index_key" ON "RunPartition"("runId", "index");

-- CreateIndex
CREATE INDEX "SourceRecord_sourceId_keyBucket_key_idx" ON "SourceRecord"("sourceId", "keyBucket", "key");

-- AddForeignKey
ALTER TABLE "RunPartition" ADD CONSTRAINT "RunPartition_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
