/**
 * One ledger pass in a process of its own (lib/features/ledger/isolated.ts starts it), or a worker's
 * range of a full pass split between processes (`{ partition }`, started by the pass): on the embedded
 * SQLite every query is a synchronous call, so a pass run in the web server's process would hold its
 * event loop (and every request) for the pass's whole duration. Reads the pass's options as JSON on
 * stdin, prints its result as one JSON line "RESULT {...}" on stdout, exits 0; on failure it prints
 * "ERROR <message as JSON>", the stack to stderr, and exits 1 (the pass journals its own failure).
 */
import { runLedgerPass, runPassPartition, type PartitionRequest, type PassTrigger } from '../lib/features/ledger/pass';
import { getPrisma } from '../lib/server/db/client';
import { readScriptRequest, runScriptMain } from '../lib/server/core/script-process';

type Input = { reconciliationId: string; keys: string[] | null; trigger: PassTrigger; triggerRef: string | null; actorEmail: string | null };

runScriptMain(async () => {
  const request = await readScriptRequest<Input | { partition: PartitionRequest }>();
  if ('partition' in request) {
    // A worker's range of a split full pass (lib/features/ledger/pass.ts).
    const part = await runPassPartition(request.partition, getPrisma());
    await getPrisma().$disconnect();
    return part;
  }
  const input = request;
  const result = await runLedgerPass(input.reconciliationId, { keys: input.keys, trigger: input.trigger, triggerRef: input.triggerRef, actorEmail: input.actorEmail, db: getPrisma() });
  await getPrisma().$disconnect();
  return result;
});
