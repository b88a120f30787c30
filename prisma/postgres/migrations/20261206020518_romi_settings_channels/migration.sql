-- AlterTable
ALTER TABLE "Reconciliation" ADD COLUMN     "romi" TEXT NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "ChannelAlias" (
    "value" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "updatedById" TEXT,

    CONSTRAINT "ChannelAlias_pkey" PRIMARY KEY ("value")
);
