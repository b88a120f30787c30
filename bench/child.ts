/** Shared by bench sections: run a Node child with the peak-RSS probe, and format figures. */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

export interface ChildResult {
  wallMs: number;
  maxRssMiB: number;
  stdout: string;
}

export function runChild(label: string, args: string[], cwd: string, rssFile: string, env: Record<string, string> = {}): Promise<ChildResult> {
  rmSync(rssFile, { force: true });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env, PAIDLINE_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${label} exited with ${code}`));
      let maxRssMiB = NaN;
      try {
        maxRssMiB = (JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number }).maxRssKiB / 1024;
      } catch {
        /* probe missing */
      }
      resolve({ wallMs, maxRssMiB, stdout });
    });
  });
}

export const fmtS = (ms: number) => (ms / 1000).toFixed(2) + ' s';
export const fmtM = (mib: number) => (Number.isFinite(mib) ? mib.toFixed(0) + ' MiB' : 'n/a');
export const fmtRate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
