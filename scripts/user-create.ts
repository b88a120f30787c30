/**
 * npm run user:create -- --email ana@example.com --role analyst [--name "Ana"] [--generate]
 *
 * Asks for the password on a terminal (empty = generate one); without a terminal,
 * or with --generate, generates one and prints it once.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ZodError } from 'zod';
import { ROLES } from '@/lib/domain/roles';
import { generatePassword } from '@/lib/features/users/password';
import { createUser } from '@/lib/features/users/create-user';
import { AppError } from '@/lib/server/core/app-error';
import { migrateDatabase } from '@/lib/server/db/migrate';
import { getPrisma } from '@/lib/server/db/client';
import { parseFlags } from './lib/args';

const USAGE = `Usage: npm run user:create -- --email <e-mail> --role <${ROLES.join('|')}> [--name <name>] [--generate]`;

async function askHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stdout.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

async function main() {
  const { values } = parseFlags(
    { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, generate: { type: 'boolean' } },
    USAGE,
  );
  if (!values.email || !values.role) {
    console.error(`Both --email and --role are required.\n\n${USAGE}`);
    process.exit(2);
  }
  let password = '';
  let generated = false;
  if (!values.generate && process.stdin.isTTY) {
    password = await askHidden('Password (at least 12 characters; leave empty to generate one): ');
    if (password) {
      const again = await askHidden('Repeat the password: ');
      if (again !== password) {
        console.error('The two passwords differ. Nothing was created.');
        process.exit(1);
      }
    }
  }
  if (!password) {
    password = generatePassword();
    generated = true;
  }

  await migrateDatabase();
  try {
    const user = await createUser({
      email: values.email,
      role: values.role as never,
      name: values.name ?? values.email.split('@')[0] ?? values.email,
      password,
    });
    console.log(`Created ${user.role} ${user.email}.`);
    if (generated) console.log(`Password (shown once): ${password}`);
  } catch (error) {
    if (error instanceof ZodError) {
      console.error(`Nothing was created:\n${error.issues.map((i) => `  - ${i.path.join('.') || 'input'}: ${i.message}`).join('\n')}`);
      process.exit(1);
    }
    if (error instanceof AppError && error.code === 'conflict') {
      console.error(`${error.message} Nothing was created.`);
      process.exit(1);
    }
    throw error;
  } finally {
    await getPrisma().$disconnect();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
