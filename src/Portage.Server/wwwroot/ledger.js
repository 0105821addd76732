// The window's delivery ledger: what retrieval already gave its agent (and so never gives again), content apart
// from discover's menu labels, each with its source, time and run.
import { sandboxPath } from './api.js';
import { el, when } from './format.js';

const $ = id => document.getElementById(id);

function item(d) {
  const source = d.file_path ?? d.data_source_id ?? 'unknown source';
  return el('li', { 'data-kind': d.kind },
    el('span', { class: 'ledger-what' }, d.summary ?? `${d.canonical_id} (no longer indexed)`),
    el('span', { class: 'meta' }, `${source} · ${when(d.delivered_at)} · `, el('code', {}, d.run_id ?? '')));
}

/** Fills the ledger section of the window panel; an empty window (or none) shows the explanation. */
export async function showLedger(ctx) {
  // The ledger comes a page at a time; the panel follows it to the end.
  const deliveries = ctx.windowId
    ? await ctx.api.all(sandboxPath(ctx.sandboxId, `sources/${encodeURIComponent(ctx.windowId)}/deliveries`),
      { end_user_id: ctx.windowEndUser ?? ctx.endUser, limit: 500 }, 'deliveries')
    : [];
  const content = deliveries.filter(d => d.kind === 'content');
  const menu = deliveries.filter(d => d.kind === 'menu');
  $('ledger-content').replaceChildren(...content.map(item));
  $('ledger-menu').replaceChildren(...menu.map(item));
  $('ledger-summary').textContent = deliveries.length
    ? `${content.length} read, ${menu.length} shown as menu labels; none of them is delivered again in this window.`
    : 'Nothing yet: retrieval never delivers an item twice in one window.';
}
