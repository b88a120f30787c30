-- AlterTable
ALTER TABLE "User" ADD COLUMN     "mfaEnrolledAt" TIMESTAMP(3),
ADD COLUMN     "mfaLastStep" INTEGER,
ADD COLUMN     "sessionVersion" INTEGER NOT NULL DEFAULT 0;
