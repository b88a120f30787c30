'use client';

import { useRouter } from 'next/navigation';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { OKABE_ITO } from '@/components/dashboard/format';

const axis = { tickLine: false, axisLine: false, fontSize: 12, stroke: '#5b6478' } as const;
const pct = (v: number) => `${Math.round(v * 100)}%`;

export type RatePoint = { label: string; href: string; [pair: string]: number | string | null };

/** Discrepancy rate per run, one line per pair of systems; a point opens the run. */
export function RateTrendChart({ data, pairs }: { data: RatePoint[]; pairs: string[] }) {
  const router = useRouter();
  return (
    <div style={{ width: '100%', height: 280 }} role="img" aria-label={`Discrepancy rate per run: ${data.map((d) => `${d.label} ${pairs.filter((p) => typeof d[p] === 'number').map((p) => `${p} ${pct(d[p] as number)}`).join(', ')}`).join('; ')}`}>
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ee" />
          <XAxis dataKey="label" {...axis} />
          <YAxis {...axis} width={48} domain={[0, 1]} tickFormatter={pct} />
          <Tooltip formatter={(v) => pct(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 13 }} />
          {pairs.map((p, i) => (
            <Line
              key={p}
              name={p}
              dataKey={p}
              stroke={OKABE_ITO[i % OKABE_ITO.length]}
              strokeWidth={3}
              strokeDasharray={i % 2 ? '6 3' : undefined}
              connectNulls
              isAnimationActive={false}
              dot={{ r: 5, cursor: 'pointer', onClick: (_e: unknown, point: unknown) => { const payload = (point as { payload?: RatePoint }).payload; if (payload) router.push(payload.href); } }}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export type CountBar = { label: string; count: number; href?: string; note?: string };

/** Horizontal bars with their value; a bar with a link opens the rows behind it. */
export function CountBars({ data, name, colorIndex = 0, height }: { data: CountBar[]; name: string; colorIndex?: number; height?: number }) {
  const router = useRouter();
  return (
    <div style={{ width: '100%', height: height ?? Math.max(140, data.length * 40 + 30) }} role="img" aria-label={`${name}: ${data.map((d) => `${d.label} ${d.count}`).join(', ')}`}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 56, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e3e6ee" />
          <XAxis type="number" allowDecimals={false} {...axis} />
          <YAxis type="category" dataKey="label" width={130} {...axis} fontSize={13} />
          <Tooltip cursor={{ fill: '#f1f3f9' }} formatter={(v) => [String(v), name]} />
          <Bar dataKey="count" radius={[0, 6, 6, 0]} isAnimationActive={false} cursor="pointer" onClick={(d) => { const href = (d.payload as CountBar).href; if (href) router.push(href); }}>
            {data.map((d) => <Cell key={d.label} fill={OKABE_ITO[colorIndex]} />)}
            <LabelList dataKey="count" position="right" fontSize={12} fill="#1b2133" />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export type DurationBar = { label: string; median: number; p90: number };

/** Median and p90 resolution time (hours) per group. */
export function DurationBars({ data, name }: { data: DurationBar[]; name: string }) {
  const h = (v: number) => (v < 1 ? `${Math.round(v * 60)} min` : `${v.toFixed(1)} h`);
  return (
    <div style={{ width: '100%', height: Math.max(160, data.length * 56 + 50) }} role="img" aria-label={`${name}: ${data.map((d) => `${d.label} median ${h(d.median)}, p90 ${h(d.p90)}`).join('; ')}`}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 64, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e3e6ee" />
          <XAxis type="number" {...axis} tickFormatter={(v: number) => `${v} h`} />
          <YAxis type="category" dataKey="label" width={150} {...axis} fontSize={13} />
          <Tooltip cursor={{ fill: '#f1f3f9' }} formatter={(v) => h(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 13 }} />
          <Bar name="Median" dataKey="median" fill={OKABE_ITO[0]} radius={[0, 4, 4, 0]} isAnimationActive={false}>
            <LabelList dataKey="median" position="right" fontSize={11} fill="#1b2133" formatter={(v: unknown) => h(Number(v))} />
          </Bar>
          <Bar name="90th percentile" dataKey="p90" fill={OKABE_ITO[1]} radius={[0, 4, 4, 0]} isAnimationActive={false}>
            <LabelList dataKey="p90" position="right" fontSize={11} fill="#1b2133" formatter={(v: unknown) => h(Number(v))} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
