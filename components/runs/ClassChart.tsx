'use client';

import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const COLORS: Record<string, string> = { Matched: '#17794a', Mismatched: '#b26a00', Missing: '#b42318', Duplicate: '#6b3fd1' };

/** The class breakdown of a run as a bar chart (recharts renders in the browser only). */
export function ClassChart({ data }: { data: { name: string; keys: number }[] }) {
  return (
    <div style={{ width: '100%', height: 240 }} role="img" aria-label={`Keys per class: ${data.map((d) => `${d.name} ${d.keys}`).join(', ')}`}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e3e6ee" />
          <XAxis dataKey="name" tickLine={false} axisLine={false} />
          <YAxis allowDecimals={false} tickLine={false} axisLine={false} width={48} />
          <Tooltip cursor={{ fill: '#f1f3f9' }} />
          <Bar dataKey="keys" radius={[6, 6, 0, 0]} isAnimationActive={false}>
            {data.map((d) => (
              <Cell key={d.name} fill={COLORS[d.name] ?? '#2f5bea'} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
