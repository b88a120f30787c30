-- AlterTable
ALTER TABLE "RunPartition" ADD COLUMN "keyAfter" TEXT;
ALTER TABLE "RunPartition" ADD COLUMN "keyUpTo" TEXT;

-- A partitioned run reads key ranges now; the bucket column and its index go (no table copy:
-- SQLite drops a column in place once no index uses it).
DROP INDEX "SourceRecord_sourceId_keyBucket_key_idx";
ALTER TABLE "SourceRecord" DROP COLUMN "keyBucket";
