/**
 * One ledger pass in a process of its own (lib/features/ledger/isolated.ts starts it): on the embedded
 * SQLite every query is a synchronous call, so a pass run in the web server's process would hold its
 * event loop (and every request) for the pass's whole duration. Reads the pass's options as JSON on
 * stdin, prints its result as one JSON line "RESULT {...}" on stdout, exits 0; on failure it prints
 * "ERROR <message as JSON>", the stack to stderr, and exits 1 (the pass journals its own failure).
 */
import { runLedgerPass, type PassTrigger } from '../lib/features/ledger/pass';
import { getPrisma } from '../lib/server/db/client';

type Input = { reconciliationId: string; keys: string[] | null; trigger: PassTrigger; triggerRef: string | null; actorEmail: string | null };

async function main() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const input = JSON.parse(text) as Input;
  const result = await runLedgerPass(input.reconciliationId, { keys: input.keys, trigger: input.trigger, triggerRef: input.triggerRef, actorEmail: input.actorEmail, db: getPrisma() });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  await getPrisma().$disconnect();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`ERROR ${JSON.stringify(message.replace(/\s+/g, ' ').trim())}\n`);
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
