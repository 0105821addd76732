// End users, their windows and the sandbox's recent runs.
import { sandboxPath } from './api.js';
import { el, row, tokens, usd, when } from './format.js';

const $ = id => document.getElementById(id);

export async function showBrowse(ctx, actions) {
  const [users, windows, runs] = await Promise.all([
    ctx.api.get(sandboxPath(ctx.sandboxId, 'end-users')),
    ctx.api.get(sandboxPath(ctx.sandboxId, 'sources'), { kind: 'ephemeral', end_user_id: ctx.endUser }),
    ctx.api.get(sandboxPath(ctx.sandboxId, 'agents/runs'), { limit: 25 }),
  ]);
  $('windows-owner').textContent = ctx.endUser;
  $('end-users').tBodies[0].replaceChildren(...users.end_users.map(u => row(
    el('button', { type: 'button', class: 'secondary', onclick: () => actions.pickEndUser(u.end_user_id) }, u.end_user_id),
    u.window_count, u.run_count, u.total_tokens, usd(u.cost_microcents), when(u.last_active_at))));
  $('windows').tBodies[0].replaceChildren(...windows.sources.map(w => row(
    el('code', {}, w.data_source_id), el('span', { class: `badge ${w.status}` }, w.status), w.turn_count ?? 0, when(w.last_active_at),
    el('span', {},
      el('button', { type: 'button', onclick: () => actions.openWindow(w), 'aria-label': `Open window ${w.data_source_id}` }, 'Open'),
      w.status === 'archived' ? null
        : el('button', { type: 'button', class: 'secondary', onclick: () => actions.archive(w.data_source_id), 'aria-label': `Archive window ${w.data_source_id}` }, 'Archive')))));
  $('runs').tBodies[0].replaceChildren(...runs.runs.map(r => row(
    el('code', {}, r.run_id), r.end_user_id, `${r.provider} / ${r.model}`, el('span', { class: `badge ${r.status}` }, r.status),
    tokens(r.usage), usd(r.usage?.cost_microcents), r.duration_ms == null ? '' : `${r.duration_ms} ms`)));
}
