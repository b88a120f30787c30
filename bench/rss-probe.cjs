// Preloaded (node --require) into a benchmarked child: on exit, writes the
// process's peak resident set size (getrusage ru_maxrss, KiB on Linux) to the
// file named by PAIDLINE_RSS_FILE.
'use strict';
const fs = require('node:fs');
const file = process.env.PAIDLINE_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      fs.writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
    } catch {
      /* ignore */
    }
  });
}
