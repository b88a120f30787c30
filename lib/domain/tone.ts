/** How a badge reads: fine, needs a look, neutral, wrong. The UI colours them (components/ui). */
export type Tone = 'ok' | 'warn' | 'neutral' | 'bad';
