#!/usr/bin/env node
/**
 * Runs the reconcile CLI (scripts/reconcile.ts) from a JavaScript bundle built
 * on demand with esbuild (shipped with tsx), instead of compiling TypeScript
 * at every start under tsx (~0.25 s of CPU per thread, and the CLI starts a
 * worker thread). `npm run reconcile` uses it; the bench builds the DuckDB
 * child the same way so both sides start alike.
 *
 * The bundle (our sources only; packages stay external) lives in
 * node_modules/.cache/paidline-bundles/ and is rebuilt when any of its input
 * files changes (size or mtime) or esbuild's version changes. Should esbuild
 * be missing or fail, the CLI runs under tsx as before.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'node_modules/.cache/paidline-bundles');

function loadEsbuild() {
  try {
    return require('esbuild');
  } catch {
    // not hoisted: the copy tsx depends on
    return require(require.resolve('esbuild', { paths: [path.dirname(require.resolve('tsx/package.json'))] }));
  }
}

/** Bumped when the build options change, so bundles built with older ones are rebuilt. */
const FORMAT = 2;

function stamp(file) {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

/**
 * Path of an up-to-date CommonJS bundle of `entry` (relative to the repository
 * root), building it when needed.
 */
function ensureBundle(entry, name = path.basename(entry).replace(/\.[^.]+$/, '')) {
  const outfile = path.join(outDir, `${name}.cjs`);
  const metaFile = path.join(outDir, `${name}.json`);
  try {
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    const esbuild = loadEsbuild();
    if (meta.entry === entry && meta.format === FORMAT && meta.esbuild === esbuild.version && fs.existsSync(outfile)) {
      let fresh = true;
      for (const [file, s] of Object.entries(meta.inputs)) {
        if (!fs.existsSync(path.join(root, file)) || stamp(path.join(root, file)) !== s) {
          fresh = false;
          break;
        }
      }
      if (fresh) return outfile;
    }
  } catch {
    /* no usable meta: build */
  }
  const esbuild = loadEsbuild();
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `${outfile}.${process.pid}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Pure-JS packages (zod) go in the bundle: one file to load instead of ~100 module lookups
    // (about 50 ms of every start); native ones stay outside.
    external: ['@duckdb/*'],
    outfile: tmp,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = {};
  for (const file of Object.keys(result.metafile.inputs)) inputs[file] = stamp(path.join(root, file));
  fs.renameSync(tmp, outfile);
  fs.writeFileSync(metaFile, JSON.stringify({ entry, format: FORMAT, esbuild: esbuild.version, inputs }));
  return outfile;
}

module.exports = { ensureBundle };

if (require.main === module) {
  let bundle = null;
  try {
    bundle = ensureBundle('scripts/reconcile.ts');
  } catch (e) {
    if (process.env.PAIDLINE_RECONCILE_DEBUG) process.stderr.write(`reconcile: bundle not built (${e.message}); running under tsx\n`);
  }
  if (bundle) require(bundle);
  else {
    require('tsx/cjs');
    require('./reconcile.ts');
  }
}
