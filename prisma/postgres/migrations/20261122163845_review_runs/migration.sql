-- CreateTable
CREATE TABLE "RuleSet" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" TEXT NOT NULL,
    "autoRules" TEXT NOT NULL DEFAULT '[]',
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,

    CONSTRAINT "RuleSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdById" TEXT,
    "createdByEmail" TEXT,
    "status" TEXT NOT NULL,
    "ruleSetId" TEXT NOT NULL,
    "inputs" TEXT NOT NULL,
    "inputsHash" TEXT NOT NULL,
    "phase" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER NOT NULL DEFAULT 0,
    "message" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "durationMs" INTEGER,
    "totalKeys" INTEGER NOT NULL DEFAULT 0,
    "matched" INTEGER NOT NULL DEFAULT 0,
    "mismatched" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "duplicate" INTEGER NOT NULL DEFAULT 0,
    "critical" INTEGER NOT NULL DEFAULT 0,
    "autoResolved" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunResult" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "cls" TEXT NOT NULL,
    "reasons" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "severityRank" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "actionLabel" TEXT NOT NULL,
    "ruleId" TEXT,
    "missingIn" TEXT NOT NULL,
    "duplicateIn" TEXT NOT NULL,
    "statuses" TEXT NOT NULL,
    "amountMinor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "date" TEXT,
    "amountDiffMinor" BIGINT NOT NULL DEFAULT 0,
    "detail" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "assigneeId" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0,
    "finalStatus" TEXT,
    "finalAmountMinor" BIGINT,
    "finalCurrency" TEXT,
    "resolvedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Resolution" (
    "id" TEXT NOT NULL,
    "resultId" INTEGER NOT NULL,
    "runId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "params" TEXT,
    "reason" TEXT NOT NULL,
    "auto" BOOLEAN NOT NULL DEFAULT false,
    "actorId" TEXT,
    "actorEmail" TEXT,
    "before" TEXT NOT NULL,
    "after" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "undoneAt" TIMESTAMP(3),
    "undoneById" TEXT,

    CONSTRAINT "Resolution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Comment" (
    "id" TEXT NOT NULL,
    "resultId" INTEGER NOT NULL,
    "authorId" TEXT,
    "authorEmail" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RuleSet_name_version_key" ON "RuleSet"("name", "version");

-- CreateIndex
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");

-- CreateIndex
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt");

-- CreateIndex
CREATE INDEX "RunResult_runId_severityRank_state_amountMinor_idx" ON "RunResult"("runId", "severityRank", "state", "amountMinor");

-- CreateIndex
CREATE INDEX "RunResult_runId_cls_state_amountMinor_idx" ON "RunResult"("runId", "cls", "state", "amountMinor");

-- CreateIndex
CREATE INDEX "RunResult_runId_state_date_idx" ON "RunResult"("runId", "state", "date");

-- CreateIndex
CREATE INDEX "RunResult_runId_amountMinor_idx" ON "RunResult"("runId", "amountMinor");

-- CreateIndex
CREATE INDEX "RunResult_runId_date_idx" ON "RunResult"("runId", "date");

-- CreateIndex
CREATE INDEX "RunResult_runId_action_idx" ON "RunResult"("runId", "action");

-- CreateIndex
CREATE INDEX "RunResult_runId_assigneeId_state_idx" ON "RunResult"("runId", "assigneeId", "state");

-- CreateIndex
CREATE INDEX "RunResult_runId_finalStatus_idx" ON "RunResult"("runId", "finalStatus");

-- CreateIndex
CREATE UNIQUE INDEX "RunResult_runId_key_key" ON "RunResult"("runId", "key");

-- CreateIndex
CREATE INDEX "Resolution_resultId_createdAt_idx" ON "Resolution"("resultId", "createdAt");

-- CreateIndex
CREATE INDEX "Resolution_runId_createdAt_idx" ON "Resolution"("runId", "createdAt");

-- CreateIndex
CREATE INDEX "Comment_resultId_createdAt_idx" ON "Comment"("resultId", "createdAt");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_ruleSetId_fkey" FOREIGN KEY ("ruleSetId") REFERENCES "RuleSet"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunResult" ADD CONSTRAINT "RunResult_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Resolution" ADD CONSTRAINT "Resolution_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "RunResult"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "RunResult"("id") ON DELETE CASCADE ON UPDATE CASCADE;
