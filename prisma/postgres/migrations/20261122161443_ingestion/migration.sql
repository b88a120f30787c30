-- CreateTable
CREATE TABLE "Source" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "archivedAt" TIMESTAMP(3),
    "webhookSecretsEnc" TEXT,
    "connectorConfig" TEXT,
    "connectorCredentialsEnc" TEXT,
    "pullSchedule" TEXT,
    "pullState" TEXT,
    "lastPulledAt" TIMESTAMP(3),
    "lastIngestedAt" TIMESTAMP(3),

    CONSTRAINT "Source_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceProfileVersion" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "profile" TEXT NOT NULL,
    "presetId" TEXT,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,

    CONSTRAINT "SourceProfileVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Ingestion" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "profileVersionId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "fileName" TEXT,
    "fileSha256" TEXT,
    "fileSize" BIGINT,
    "format" TEXT,
    "status" TEXT NOT NULL,
    "onInvalid" TEXT NOT NULL DEFAULT 'abort',
    "rowsTotal" INTEGER NOT NULL DEFAULT 0,
    "rowsValid" INTEGER NOT NULL DEFAULT 0,
    "rowsInvalid" INTEGER NOT NULL DEFAULT 0,
    "bytesTotal" BIGINT NOT NULL DEFAULT 0,
    "bytesProcessed" BIGINT NOT NULL DEFAULT 0,
    "message" TEXT,
    "stagedPath" TEXT,
    "duplicateOfId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Ingestion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IngestionError" (
    "id" SERIAL NOT NULL,
    "ingestionId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "column" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "value" TEXT,

    CONSTRAINT "IngestionError_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceRecord" (
    "id" SERIAL NOT NULL,
    "sourceId" TEXT NOT NULL,
    "ingestionId" TEXT,
    "profileVersionId" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "line" INTEGER,
    "eventId" TEXT,
    "fileSha256" TEXT,
    "key" TEXT NOT NULL,
    "txId" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3),
    "date" TEXT,
    "amountMinor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "attrs" TEXT,
    "raw" TEXT,

    CONSTRAINT "SourceRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DriftEvent" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "ingestionId" TEXT,
    "profileVersionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "detail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DriftEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "eventAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payloadSha256" TEXT NOT NULL,

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" TEXT NOT NULL,
    "sourceId" TEXT,
    "sourceName" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "ip" TEXT,

    CONSTRAINT "WebhookAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Source_name_key" ON "Source"("name");

-- CreateIndex
CREATE UNIQUE INDEX "SourceProfileVersion_sourceId_version_key" ON "SourceProfileVersion"("sourceId", "version");

-- CreateIndex
CREATE INDEX "Ingestion_sourceId_fileSha256_idx" ON "Ingestion"("sourceId", "fileSha256");

-- CreateIndex
CREATE INDEX "Ingestion_sourceId_createdAt_idx" ON "Ingestion"("sourceId", "createdAt");

-- CreateIndex
CREATE INDEX "Ingestion_status_idx" ON "Ingestion"("status");

-- CreateIndex
CREATE INDEX "IngestionError_ingestionId_line_idx" ON "IngestionError"("ingestionId", "line");

-- CreateIndex
CREATE INDEX "SourceRecord_sourceId_key_idx" ON "SourceRecord"("sourceId", "key");

-- CreateIndex
CREATE INDEX "SourceRecord_ingestionId_idx" ON "SourceRecord"("ingestionId");

-- CreateIndex
CREATE INDEX "SourceRecord_sourceId_occurredAt_idx" ON "SourceRecord"("sourceId", "occurredAt");

-- CreateIndex
CREATE INDEX "DriftEvent_sourceId_createdAt_idx" ON "DriftEvent"("sourceId", "createdAt");

-- CreateIndex
CREATE INDEX "WebhookEvent_sourceId_eventAt_idx" ON "WebhookEvent"("sourceId", "eventAt");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_sourceId_eventId_key" ON "WebhookEvent"("sourceId", "eventId");

-- CreateIndex
CREATE INDEX "WebhookAttempt_sourceId_receivedAt_idx" ON "WebhookAttempt"("sourceId", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookAttempt_outcome_receivedAt_idx" ON "WebhookAttempt"("outcome", "receivedAt");

-- AddForeignKey
ALTER TABLE "SourceProfileVersion" ADD CONSTRAINT "SourceProfileVersion_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ingestion" ADD CONSTRAINT "Ingestion_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Ingestion" ADD CONSTRAINT "Ingestion_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IngestionError" ADD CONSTRAINT "IngestionError_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceRecord" ADD CONSTRAINT "SourceRecord_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceRecord" ADD CONSTRAINT "SourceRecord_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceRecord" ADD CONSTRAINT "SourceRecord_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DriftEvent" ADD CONSTRAINT "DriftEvent_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DriftEvent" ADD CONSTRAINT "DriftEvent_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DriftEvent" ADD CONSTRAINT "DriftEvent_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEvent" ADD CONSTRAINT "WebhookEvent_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
