// End users, their windows and the sandbox's runs (newest first, a page at a time).
import { sandboxPath } from './api.js';
import { el, row, tokens, usd, when } from './format.js';

const $ = id => document.getElementById(id);
const RUNS_PAGE = 25;

const runRow = r => row(
  el('code', {}, r.run_id), r.end_user_id, `${r.provider} / ${r.model}`, el('span', { class: `badge ${r.status}` }, r.status),
  tokens(r.usage), usd(r.usage?.cost_microcents), r.duration_ms == null ? '' : `${r.duration_ms} ms`);

/** Shows a page of runs: the first replaces the table, a later one (from the previous page's cursor) is appended. */
function showRuns(ctx, page, append) {
  const body = $('runs').tBodies[0];
  if (append) body.append(...page.runs.map(runRow));
  else body.replaceChildren(...page.runs.map(runRow));
  ctx.runsCursor = page.next_cursor;
  $('runs-more').hidden = !page.next_cursor;
  $('runs-shown').textContent = `${body.rows.length} runs shown${page.next_cursor ? '; older ones follow' : ''}.`;
}

/** Follows the cursor of the last page shown. */
export async function moreRuns(ctx) {
  if (!ctx.runsCursor) return;
  const page = await ctx.api.get(sandboxPath(ctx.sandboxId, 'agents/runs'), { limit: RUNS_PAGE, cursor: ctx.runsCursor });
  showRuns(ctx, page, true);
}

export async function showBrowse(ctx, actions) {
  // End users and windows come a page at a time and are followed to the end; runs are shown a page at a time.
  const [users, windows, runs] = await Promise.all([
    ctx.api.all(sandboxPath(ctx.sandboxId, 'end-users'), { limit: 500 }, 'end_users'),
    ctx.api.all(sandboxPath(ctx.sandboxId, 'sources'), { kind: 'ephemeral', end_user_id: ctx.endUser, limit: 500 }, 'sources'),
    ctx.api.get(sandboxPath(ctx.sandboxId, 'agents/runs'), { limit: RUNS_PAGE }),
  ]);
  $('windows-owner').textContent = ctx.endUser;
  $('end-users').tBodies[0].replaceChildren(...users.map(u => row(
    el('button', { type: 'button', class: 'secondary', onclick: () => actions.pickEndUser(u.end_user_id) }, u.end_user_id),
    u.window_count, u.run_count, u.total_tokens, usd(u.cost_microcents), when(u.last_active_at))));
  $('windows').tBodies[0].replaceChildren(...windows.map(w => row(
    el('code', {}, w.data_source_id), el('span', { class: `badge ${w.status}` }, w.status), w.turn_count ?? 0, when(w.last_active_at),
    el('span', {},
      el('button', { type: 'button', onclick: () => actions.openWindow(w), 'aria-label': `Open window ${w.data_source_id}` }, 'Open'),
      w.status === 'archived' ? null
        : el('button', { type: 'button', class: 'secondary', onclick: () => actions.archive(w.data_source_id), 'aria-label': `Archive window ${w.data_source_id}` }, 'Archive')))));
  showRuns(ctx, runs, false);
}
