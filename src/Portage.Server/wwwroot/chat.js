// The chat: one run per message, streamed; switching provider keeps the window (only the session is per provider).
import { compactedNotice, summaryBlock } from './compaction.js';
import { el, tokens, usd } from './format.js';
import { showWindow } from './panel.js';

const $ = id => document.getElementById(id);

function message(role, who, text = '') {
  const body = el('span', { class: 'text' }, text);
  const item = el('li', { class: `msg ${role}` }, el('span', { class: 'who' }, who), body);
  $('messages').append(item);
  item.scrollIntoView({ block: 'nearest' });
  return { item, body, who: item.firstChild };
}

/** Re-fills the chat from a window's turns (when a window is opened from the list). */
export function fillMessages(turns) {
  $('messages').replaceChildren();
  for (const t of turns) {
    if (t.role === 'compaction') $('messages').append(el('li', { class: 'msg compaction' }, summaryBlock(t)));
    else message(t.role, t.role === 'user' ? 'You' : `${t.provider} / ${t.model}`, t.text);
  }
}

/** Forgets the window and session: the next message starts a new window. */
export function resetConversation(ctx, newWindow) {
  Object.assign(ctx, { windowId: null, windowEndUser: null, pinnedWindow: false, sessionId: null, sessionProvider: null, newWindow });
  $('messages').replaceChildren();
}

export async function send(ctx, text) {
  const provider = $('provider').value;
  const model = $('model').value;
  const body = {
    provider, model, end_user_id: ctx.endUser, messages: [{ role: 'user', content: text }],
    // A session belongs to one provider; the window carries the conversation across providers (as the CLI does).
    session_id: ctx.sessionProvider === provider ? ctx.sessionId ?? undefined : undefined,
    context_window_id: ctx.pinnedWindow ? ctx.windowId : undefined,
    new_window: ctx.newWindow || undefined,
  };
  message('user', 'You', text);
  const reply = message('assistant', `${provider} / ${model}`);
  ctx.status('Running…');
  try {
    for await (const { event, data } of ctx.api.run(ctx.sandboxId, body)) {
      if (event === 'run_started') {
        ctx.windowId = data.context_window_id;
        ctx.windowEndUser = ctx.endUser;
        ctx.newWindow = false;
        $('window-id').textContent = ctx.windowId;
      } else if (event === 'context_compacted') {
        // Before the answer it comes with, as the frame comes before the first delta.
        reply.item.before(el('li', { class: 'notice' }, compactedNotice(data)));
      } else if (event === 'agent_text_delta') {
        reply.body.append(data.text);
      } else if (event === 'agent_tool_call') {
        reply.item.append(el('details', {}, el('summary', {}, `tool call ${data.name}`), el('pre', {}, JSON.stringify(data.arguments, null, 1))));
      } else if (event === 'agent_tool_result') {
        reply.item.append(el('details', {}, el('summary', {}, `tool result ${data.name}${data.error ? ' (error)' : ''}`), el('pre', {}, data.error ?? JSON.stringify(data.result, null, 1))));
      } else if (event === 'agent_finish') {
        ctx.sessionId = data.session_id;
        ctx.sessionProvider = provider;
        reply.who.textContent = `${data.provider ?? provider} / ${data.model ?? model} · ${tokens(data.usage)} · ${usd(data.usage?.cost_microcents)}`;
        ctx.status(`Done (${data.stop_reason}).`);
      } else if (event === 'agent_error') {
        reply.item.classList.add('error');
        reply.body.append(`\n${data.type}: ${data.message}`);
        ctx.status(`Run failed: ${data.message}`, true);
      }
    }
  } catch (error) {
    reply.item.classList.add('error');
    reply.body.append(error.message);
    ctx.status(error.message, true);
  }
  await showWindow(ctx);
}
