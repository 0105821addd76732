// Usage over a range of UTC days, per day, provider/model or end user: totals, an inline SVG chart of tokens and
// cost side by side, and a table with the same figures.
import { count, row, usd, when } from './format.js';

const $ = id => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const DAY = 86_400_000;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The last 30 UTC days (what the API defaults to), unless the range was already chosen. */
function defaultRange() {
  if ($('usage-from').value && $('usage-to').value) return;
  const today = Date.now();
  $('usage-to').value = new Date(today).toISOString().slice(0, 10);
  $('usage-from').value = new Date(today - 29 * DAY).toISOString().slice(0, 10);
}

/**
 * Per group, the label on its own line and two bars under it, each scaled to its own maximum: tokens, then cost.
 * Drawn 1:1 at a phone's width (the labels above the bars leave the whole width to them), so 12 px text stays 12 px.
 */
function chart(groups) {
  const width = 340, bar = 12, label = 16, gap = 10, valueWidth = 96, barWidth = width - valueWidth;
  const block = label + 2 * bar + 2 + gap;
  const maxTokens = Math.max(1, ...groups.map(g => g.total_tokens));
  const maxCost = Math.max(1, ...groups.map(g => g.cost_microcents));
  const node = $('usage-chart');
  node.setAttribute('viewBox', `0 0 ${width} ${Math.max(1, groups.length) * block}`);
  node.replaceChildren(...groups.flatMap((g, i) => {
    const y = i * block;
    const tokens = Math.max(1, barWidth * g.total_tokens / maxTokens);
    const cost = Math.max(1, barWidth * g.cost_microcents / maxCost);
    return [
      svg('text', { x: 0, y: y + 12 }, g.key.length > 44 ? `${g.key.slice(0, 43)}…` : g.key),
      svg('rect', { class: 'tokens', x: 0, y: y + label, width: tokens, height: bar, rx: 2 }),
      svg('text', { x: tokens + 4, y: y + label + bar - 2 }, `${count(g.total_tokens)} tokens`),
      svg('rect', { class: 'cost', x: 0, y: y + label + bar + 2, width: cost, height: bar, rx: 2 }),
      svg('text', { x: cost + 4, y: y + label + 2 * bar }, usd(g.cost_microcents)),
    ];
  }));
  if (!groups.length) node.append(svg('text', { x: 0, y: 14 }, 'No runs in this period.'));
}

/** The sandbox's budget and what it spent in the budget's period (GET /usage/balance). */
async function showBudget(ctx) {
  const b = await ctx.api.get('usage/balance', { sandbox_id: ctx.sandboxId });
  if (b.credits_purchased === null) {
    $('usage-budget').textContent = `No budget (unmetered): ${usd(b.credits_used)} spent this month.`;
    return b;
  }
  const period = b.period === 'total' ? 'in total' : `per ${b.period} (UTC)`;
  const resets = b.resets_at ? `; resets ${when(b.resets_at)}` : '';
  $('usage-budget').textContent = `Budget ${usd(b.credits_purchased)} ${period}: ${usd(b.credits_used)} spent, `
    + `${usd(b.credits_reserved)} held by runs in progress, ${usd(b.credits_remaining)} left (gate ${b.gate_mode})${resets}.`;
  return b;
}

export async function showUsage(ctx) {
  defaultRange();
  await showBudget(ctx);
  const query = { sandbox_id: ctx.sandboxId, group_by: $('usage-group').value, from: $('usage-from').value, to: $('usage-to').value };
  // The totals come with the first page; the groups a page at a time, followed to the end.
  const usage = await ctx.api.get('usage', query);
  for (let page = usage; page.next_cursor;) {
    page = await ctx.api.get('usage', { ...query, cursor: page.next_cursor });
    usage.groups.push(...page.groups);
  }
  $('usage-totals').textContent = `${usage.from} to ${usage.to}: ${count(usage.runs)} runs, ${count(usage.total_tokens)} tokens, ${usd(usage.cost_microcents)}`;
  chart(usage.groups);
  $('usage-table').tBodies[0].replaceChildren(...usage.groups.map(g =>
    row(g.key, g.runs, g.input_tokens, g.output_tokens, g.total_tokens, usd(g.cost_microcents))));
  return usage;
}
