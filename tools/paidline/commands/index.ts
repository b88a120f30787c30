/** Every command, in the order paidline --help lists them. */
import type { Command } from '../context';
import { entryCommands } from './entries';
import { ingestionCommands } from './ingestions';
import { reconciliationCommands } from './reconciliations';
import { reportCommands } from './reports';
import { sourceCommands } from './sources';

export const COMMANDS: readonly Command[] = [...sourceCommands, ...ingestionCommands, ...reconciliationCommands, ...entryCommands, ...reportCommands];
