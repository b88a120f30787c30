-- DropIndex
DROP INDEX "SourceRecord_sourceId_keyBucket_key_idx";

-- AlterTable
ALTER TABLE "RunPartition" ADD COLUMN     "keyAfter" TEXT,
ADD COLUMN     "keyUpTo" TEXT;

-- AlterTable
ALTER TABLE "SourceRecord" DROP COLUMN "keyBucket";
