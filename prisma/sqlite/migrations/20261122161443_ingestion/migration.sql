-- CreateTable
CREATE TABLE "Source" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "archivedAt" DATETIME,
    "webhookSecretsEnc" TEXT,
    "connectorConfig" TEXT,
    "connectorCredentialsEnc" TEXT,
    "pullSchedule" TEXT,
    "pullState" TEXT,
    "lastPulledAt" DATETIME,
    "lastIngestedAt" DATETIME
);

-- CreateTable
CREATE TABLE "SourceProfileVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "profile" TEXT NOT NULL,
    "presetId" TEXT,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    CONSTRAINT "SourceProfileVersion_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Ingestion" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "Ingestion_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Ingestion_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "IngestionError" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "ingestionId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "column" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "value" TEXT,
    CONSTRAINT "IngestionError_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SourceRecord" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "sourceId" TEXT NOT NULL,
    "ingestionId" TEXT,
    "profileVersionId" TEXT NOT NULL,
    "dataset" TEXT NOT NULL,
    "line" INTEGER,
    "eventId" TEXT,
    "fileSha256" TEXT,
    "key" TEXT NOT NULL,
    "txId" TEXT NOT NULL,
    "occurredAt" DATETIME,
    "date" TEXT,
    "amountMinor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "attrs" TEXT,
    "raw" TEXT,
    CONSTRAINT "SourceRecord_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SourceRecord_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "SourceRecord_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DriftEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT NOT NULL,
    "ingestionId" TEXT,
    "profileVersionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DriftEvent_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "DriftEvent_ingestionId_fkey" FOREIGN KEY ("ingestionId") REFERENCES "Ingestion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "DriftEvent_profileVersionId_fkey" FOREIGN KEY ("profileVersionId") REFERENCES "SourceProfileVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "eventAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payloadSha256" TEXT NOT NULL,
    CONSTRAINT "WebhookEvent_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sourceId" TEXT,
    "sourceName" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "ip" TEXT,
    CONSTRAINT "WebhookAttempt_sourceId_fkey" FOREIGN KEY ("sourceId") REFERENCES "Source" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
