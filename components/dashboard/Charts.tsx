'use client';

import { useRouter } from 'next/navigation';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, Legend, Line, ComposedChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { LOSS_COLOR, OKABE_ITO, REVENUE_COLOR, SPEND_COLOR } from './format';
import { numberFormat } from '@/lib/domain/money';

export type ChannelBar = { channel: string; romi: number; label: string; href: string };
export type TrendPoint = { month: string; label: string; revenue: number; spend: number; notCounted: number; href: string };
export type FunnelStep = { step: string; count: number; label: string; href: string };

const axis = { tickLine: false, axisLine: false, fontSize: 12, stroke: '#5b6478' } as const;

/** ROMI per channel (recharts renders in the browser only). A bar opens the revenue behind it. */
export function RomiByChannelChart({ data }: { data: ChannelBar[] }) {
  const router = useRouter();
  return (
    <div style={{ width: '100%', height: 260 }} role="img" aria-label={`ROMI by channel: ${data.map((d) => `${d.channel} ${d.label}`).join(', ')}`}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 150, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="#e3e6ee" />
          <XAxis type="number" {...axis} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
          <YAxis type="category" dataKey="channel" width={120} {...axis} fontSize={13} />
          <ReferenceLine x={0} stroke="#5b6478" />
          <Tooltip cursor={{ fill: '#f1f3f9' }} formatter={(_v, _n, item) => [(item.payload as ChannelBar).label, 'ROMI']} />
          <Bar dataKey="romi" radius={[0, 6, 6, 0]} isAnimationActive={false} cursor="pointer" onClick={(d) => router.push((d.payload as ChannelBar).href)}>
            {data.map((d, i) => (
              <Cell key={d.channel} fill={d.romi < 0 ? LOSS_COLOR : OKABE_ITO[i % 3 === 0 ? 0 : i % 3 === 1 ? 2 : 4]} />
            ))}
            <LabelList dataKey="label" content={RomiBarLabel} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * A bar's label right of its right end: for a loss, the zero line (recharts' "right" put it left of
 * the bar, over the channel names).
 */
function RomiBarLabel(props: { x?: number | string; y?: number | string; width?: number | string; height?: number | string; value?: unknown }) {
  const x = Number(props.x ?? 0);
  const width = Number(props.width ?? 0);
  const y = Number(props.y ?? 0) + Number(props.height ?? 0) / 2;
  return (
    <text x={Math.max(x, x + width) + 6} y={y} dominantBaseline="central" fontSize={12} fill="#1b2133">
      {String(props.value ?? '')}
    </text>
  );
}

/** Reconciled revenue and spend per month; a point opens that month's rows. */
export function TrendChart({ data, currency }: { data: TrendPoint[]; currency: string }) {
  const router = useRouter();
  const format = numberFormat('en-US', { style: 'currency', currency: currency || 'USD', notation: 'compact', maximumFractionDigits: 1 });
  const fmt = (v: number) => format.format(v);
  return (
    <div style={{ width: '100%', height: 280 }} role="img" aria-label={`Revenue and spend per month (${currency}): ${data.map((d) => `${d.label} revenue ${fmt(d.revenue)}, spend ${fmt(d.spend)}`).join('; ')}`}>
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ee" />
          <XAxis dataKey="label" {...axis} />
          <YAxis {...axis} width={64} tickFormatter={fmt} />
          <Tooltip formatter={(v) => fmt(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 13 }} />
          <Bar name="Reconciled paid revenue" dataKey="revenue" fill={REVENUE_COLOR} radius={[4, 4, 0, 0]} isAnimationActive={false} cursor="pointer" onClick={(d) => router.push((d.payload as TrendPoint).href)} />
          <Bar name="Not yet counted" dataKey="notCounted" fill={OKABE_ITO[4]} radius={[4, 4, 0, 0]} isAnimationActive={false} />
          <Line name="Marketing spend" dataKey="spend" stroke={SPEND_COLOR} strokeWidth={3} strokeDasharray="6 3" dot={{ r: 5, cursor: 'pointer', onClick: (_e: unknown, p: unknown) => { const payload = (p as { payload?: TrendPoint }).payload; if (payload) router.push(payload.href.replace('kind=revenue', 'kind=spend')); } }} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Leads -> deals -> paid customers. */
export function FunnelChart({ data }: { data: FunnelStep[] }) {
  const router = useRouter();
  return (
    <div style={{ width: '100%', height: 200 }} role="img" aria-label={`Funnel: ${data.map((d) => `${d.step} ${d.label}`).join(', ')}`}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 120, bottom: 4, left: 8 }}>
          <XAxis type="number" hide />
          <YAxis type="category" dataKey="step" width={110} {...axis} fontSize={13} />
          <Bar dataKey="count" radius={[0, 6, 6, 0]} isAnimationActive={false} cursor="pointer" onClick={(d) => router.push((d.payload as FunnelStep).href)}>
            {data.map((d, i) => <Cell key={d.step} fill={[OKABE_ITO[4], OKABE_ITO[0], OKABE_ITO[2]][i] ?? OKABE_ITO[0]} />)}
            <LabelList dataKey="label" position="right" fontSize={12} fill="#1b2133" />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
