/**
 * The background-job interface moved to lib/server/jobs (pg-boss on PostgreSQL, in-process otherwise);
 * kept here so existing imports keep working.
 */
export { jobQueue, registerJobHandler, type JobHandler, type JobQueue } from '@/lib/server/jobs';
