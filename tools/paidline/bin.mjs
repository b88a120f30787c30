#!/usr/bin/env node
// `npx paidline` (or a linked `paidline`): runs cli.ts in this process through tsx, a dependency of
// the project. The project's .ts files are CommonJS (package.json has no "type"), so tsx's CommonJS
// hook loads them; its ESM register() would hit Node 20's require(esm) cycle check.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('tsx/cjs/api').register();
require('./cli.ts');
