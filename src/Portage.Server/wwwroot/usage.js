// Usage per day, provider/model or end user: totals, an inline SVG bar chart and a table.
import { count, row, usd } from './format.js';

const $ = id => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Horizontal bars (they fit a phone): label, bar, value. */
function chart(groups) {
  const bar = 16, gap = 6, width = 400, labelWidth = 120, valueWidth = 60;
  const max = Math.max(1, ...groups.map(g => g.total_tokens));
  const height = Math.max(1, groups.length) * (bar + gap);
  const node = $('usage-chart');
  node.setAttribute('viewBox', `0 0 ${width} ${height}`);
  node.replaceChildren(...groups.flatMap((g, i) => {
    const y = i * (bar + gap);
    const w = Math.max(1, (width - labelWidth - valueWidth) * g.total_tokens / max);
    return [
      svg('text', { x: 0, y: y + bar - 5 }, g.key.length > 18 ? `${g.key.slice(0, 17)}…` : g.key),
      svg('rect', { x: labelWidth, y, width: w, height: bar, rx: 2 }),
      svg('text', { x: labelWidth + w + 4, y: y + bar - 5 }, count(g.total_tokens)),
    ];
  }));
  if (!groups.length) node.append(svg('text', { x: 0, y: 14 }, 'No runs in this period.'));
}

export async function showUsage(ctx) {
  const groupBy = $('usage-group').value;
  const usage = await ctx.api.get('usage', { sandbox_id: ctx.sandboxId, group_by: groupBy });
  $('usage-totals').textContent = `${usage.from} to ${usage.to}: ${count(usage.runs)} runs, ${count(usage.total_tokens)} tokens, ${usd(usage.cost_microcents)}`;
  chart(usage.groups);
  $('usage-table').tBodies[0].replaceChildren(...usage.groups.map(g =>
    row(g.key, g.runs, g.input_tokens, g.output_tokens, g.total_tokens, usd(g.cost_microcents))));
  return usage;
}
