-- AlterTable
ALTER TABLE "RomiBuild" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;
