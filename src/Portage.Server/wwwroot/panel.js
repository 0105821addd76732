// The window beside the chat: every turn with provider, model, status, tokens and cost; tool parts folded under it;
// compaction turns folded shut (compaction.js); then what retrieval delivered (ledger.js).
import { sandboxPath } from './api.js';
import { summaryBlock } from './compaction.js';
import { el, tokens, usd } from './format.js';
import { showLedger } from './ledger.js';

const $ = id => document.getElementById(id);

function toolParts(turn) {
  const parts = turn.parts.filter(p => p.type === 'tool_call' || p.type === 'tool_result');
  if (!parts.length) return null;
  return el('details', {}, el('summary', {}, `${parts.length} tool ${parts.length === 1 ? 'part' : 'parts'}`),
    parts.map(p => el('div', {},
      el('span', { class: 'badge' }, p.type === 'tool_call' ? `call ${p.name}` : `result ${p.name ?? ''}`),
      el('pre', {}, p.error ? `error: ${p.error}` : JSON.stringify(p.type === 'tool_call' ? p.arguments : p.result, null, 1)))));
}

function turnItem(turn, run) {
  if (turn.role === 'compaction') return el('li', { 'data-seq': turn.seq, 'data-role': turn.role }, summaryBlock(turn));
  const who = turn.role === 'assistant' ? `${turn.provider ?? '?'} / ${turn.model ?? '?'}` : turn.speaker;
  const usage = run?.usage;
  return el('li', { 'data-seq': turn.seq, 'data-role': turn.role },
    el('div', { class: 'turn-head' },
      `${turn.role} · ${who} · `, el('span', { class: `badge ${turn.status}` }, turn.status),
      usage ? ` · ${tokens(usage)} · ${usd(usage.cost_microcents)}` : ` · ~${turn.token_estimate} tokens`),
    el('div', { class: 'turn-text' }, turn.text),
    toolParts(turn));
}

/** Shows the window (or none) with its turns and the sessions its runs used. */
export async function showWindow(ctx) {
  $('window-id').textContent = ctx.windowId ?? 'none yet';
  $('archive-window').disabled = !ctx.windowId;
  const list = $('turns');
  if (!ctx.windowId) {
    list.replaceChildren();
    $('window-sessions').textContent = 'none';
    await showLedger(ctx);
    return [];
  }
  // Both lists come a page at a time; the panel follows them to the end so it shows every turn and its run.
  const [turns, runs] = await Promise.all([
    ctx.api.turns(ctx.sandboxId, ctx.windowId, ctx.windowEndUser ?? ctx.endUser),
    ctx.api.all(sandboxPath(ctx.sandboxId, 'agents/runs'), { context_window_id: ctx.windowId, limit: 200 }, 'runs'),
    showLedger(ctx),
  ]);
  const byId = new Map(runs.map(r => [r.run_id, r]));
  list.replaceChildren(...turns.map(t => turnItem(t, t.role === 'assistant' ? byId.get(t.run_id) : null)));
  const sessions = [...new Set(runs.slice().reverse().map(r => `${r.session_id} (${r.provider})`))];
  $('window-sessions').textContent = sessions.join(', ') || 'none';
  return turns;
}
