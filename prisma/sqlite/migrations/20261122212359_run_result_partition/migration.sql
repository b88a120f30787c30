-- AlterTable
ALTER TABLE "RunResult" ADD COLUMN "partition" INTEGER;
