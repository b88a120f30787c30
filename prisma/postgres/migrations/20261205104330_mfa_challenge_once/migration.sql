-- AlterTable
ALTER TABLE "User" ADD COLUMN     "mfaChallengeNonce" TEXT;
