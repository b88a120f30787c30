-- AlterTable
ALTER TABLE "Reconciliation" ADD COLUMN     "matching" TEXT NOT NULL DEFAULT '{}';
