-- AlterTable
ALTER TABLE "Ingestion" ALTER COLUMN "profileVersionId" DROP NOT NULL;
