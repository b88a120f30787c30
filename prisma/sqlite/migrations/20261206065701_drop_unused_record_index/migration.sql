-- DropIndex
DROP INDEX "SourceRecord_sourceId_occurredAt_idx";
