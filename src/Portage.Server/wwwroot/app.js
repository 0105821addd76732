// The Portage console: connects with an API key, then chat, browse and usage views over the public API.
import { Api, sandboxPath } from './api.js';
import { moreRuns, showBrowse } from './browse.js';
import { fillMessages, resetConversation, send } from './chat.js';
import { el } from './format.js';
import { showWindow } from './panel.js';
import { showUsage } from './usage.js';

const $ = id => document.getElementById(id);
const store = window.localStorage;
// The CLI's default end user (`portage chat`/`run`), so a conversation started there is the one the console shows.
const DEFAULT_END_USER = 'local-user';

const ctx = {
  api: null, sandboxId: null, endUser: DEFAULT_END_USER, view: 'chat',
  windowId: null, windowEndUser: null, pinnedWindow: false, sessionId: null, sessionProvider: null, newWindow: false,
  status(text, error = false) {
    $('status').textContent = text;
    $('status').classList.toggle('error', error);
  },
};

async function guard(work) {
  try {
    return await work();
  } catch (error) {
    ctx.status(error.message, true);
    return undefined;
  }
}

async function refreshView() {
  if (!ctx.api || !ctx.sandboxId) return;
  if (ctx.view === 'browse') await guard(() => showBrowse(ctx, actions));
  else if (ctx.view === 'usage') await guard(() => showUsage(ctx));
  else await guard(() => showWindow(ctx));
}

function showView(view) {
  ctx.view = view;
  // The view is in the address, so a reload or a bookmark comes back to it.
  history.replaceState(null, '', view === 'chat' ? location.pathname : `#${view}`);
  for (const button of $('tabs').querySelectorAll('button')) {
    if (button.dataset.view === view) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  for (const name of ['chat', 'browse', 'usage']) $(`view-${name}`).hidden = name !== view;
  return refreshView();
}

async function archive(windowId) {
  await guard(async () => {
    await ctx.api.post(sandboxPath(ctx.sandboxId, `sources/${encodeURIComponent(windowId)}/archive`));
    if (windowId === ctx.windowId) {
      resetConversation(ctx, true);
      await showWindow(ctx);
    }
    ctx.status(`Archived ${windowId}.`);
  });
  await refreshView();
}

const actions = {
  async pickEndUser(id) {
    $('end-user').value = id;
    setEndUser(id);
    await refreshView();
  },
  async openWindow(source) {
    resetConversation(ctx, false);
    Object.assign(ctx, { windowId: source.data_source_id, windowEndUser: source.end_user_id, pinnedWindow: source.status !== 'archived' });
    await showView('chat');
    const turns = await guard(() => showWindow(ctx));
    if (turns) fillMessages(turns);
  },
  archive,
};

function setEndUser(id) {
  if (id === ctx.endUser) return;
  ctx.endUser = id;
  store.setItem('portage.endUser', id);
  resetConversation(ctx, false);
}

function fillProviders(list) {
  const configured = list.providers.filter(p => p.configured);
  const preferred = store.getItem('portage.provider');
  $('provider').replaceChildren(...list.providers.map(p =>
    el('option', { value: p.name, disabled: !p.configured, selected: p.name === preferred && p.configured }, p.configured ? p.name : `${p.name} (not configured)`)));
  if (!configured.some(p => p.name === preferred) && configured.length) $('provider').value = configured[0].name;
  ctx.providers = new Map(list.providers.map(p => [p.name, p]));
  fillModels();
}

function fillModels() {
  const provider = ctx.providers?.get($('provider').value);
  const models = provider ? [...new Set([provider.default_model, ...provider.models])] : [];
  $('model').replaceChildren(...models.map(m => el('option', { value: m }, m)));
}

async function connect(key, sandboxId) {
  ctx.api = new Api(key);
  const [sandboxes, providers] = await Promise.all([ctx.api.get('storage/sandboxes'), ctx.api.get('providers')]);
  store.setItem('portage.apiKey', key);
  const wanted = sandboxId ?? store.getItem('portage.sandbox');
  $('sandbox').replaceChildren(...sandboxes.sandboxes.map(s =>
    el('option', { value: s.sandbox_id, selected: s.sandbox_id === wanted }, `${s.name} (${s.sandbox_id})`)));
  ctx.sandboxId = $('sandbox').value || null;
  fillProviders(providers);
  ctx.status(`Connected: ${sandboxes.count} sandbox${sandboxes.count === 1 ? '' : 'es'}, ${providers.providers.filter(p => p.configured).length} providers configured.`);
  await refreshView();
}

/** On the developer's own machine (Development, loopback) the server hands over the development key. */
async function bootstrap() {
  try {
    const response = await fetch('/console/bootstrap');
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function wire() {
  $('connect').addEventListener('submit', event => {
    event.preventDefault();
    setEndUser($('end-user').value.trim() || DEFAULT_END_USER);
    guard(() => connect($('api-key').value.trim()));
  });
  $('sandbox').addEventListener('change', () => {
    ctx.sandboxId = $('sandbox').value;
    store.setItem('portage.sandbox', ctx.sandboxId);
    resetConversation(ctx, false);
    refreshView();
  });
  $('end-user').addEventListener('change', () => {
    if ($('end-user').checkValidity()) {
      setEndUser($('end-user').value.trim());
      refreshView();
    }
  });
  $('provider').addEventListener('change', () => {
    store.setItem('portage.provider', $('provider').value);
    fillModels();
  });
  $('tabs').addEventListener('click', event => {
    const view = event.target.closest('button')?.dataset.view;
    if (view) showView(view);
  });
  $('new-window').addEventListener('click', async () => {
    resetConversation(ctx, true);
    await guard(() => showWindow(ctx));
    ctx.status('The next message starts a new window.');
    $('message').focus();
  });
  $('archive-window').addEventListener('click', () => ctx.windowId && archive(ctx.windowId));
  $('usage-form').addEventListener('submit', event => {
    event.preventDefault();
    guard(() => showUsage(ctx));
  });
  for (const id of ['usage-group', 'usage-from', 'usage-to']) {
    $(id).addEventListener('change', () => $(id).checkValidity() && guard(() => showUsage(ctx)));
  }
  $('runs-more').addEventListener('click', () => guard(() => moreRuns(ctx)));
  $('composer').addEventListener('submit', async event => {
    event.preventDefault();
    const text = $('message').value.trim();
    if (!text || !ctx.api || !ctx.sandboxId) {
      if (!ctx.api) ctx.status('Connect with an API key first.', true);
      return;
    }
    $('message').value = '';
    $('send').disabled = true;
    try {
      await send(ctx, text);
    } finally {
      $('send').disabled = false;
      $('message').focus();
    }
  });
  // Enter sends, as in chat apps; Shift+Enter starts a new line; Enter that confirms an IME composition is left alone.
  $('message').addEventListener('keydown', event => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
}

async function start() {
  wire();
  const view = location.hash.slice(1);
  if (['browse', 'usage'].includes(view)) await showView(view);
  ctx.endUser = store.getItem('portage.endUser') ?? DEFAULT_END_USER;
  $('end-user').value = ctx.endUser;
  let key = store.getItem('portage.apiKey');
  let sandboxId = null;
  if (!key) {
    const given = await bootstrap();
    if (given) ({ api_key: key, sandbox_id: sandboxId } = given);
  }
  if (key) {
    $('api-key').value = key;
    await guard(() => connect(key, sandboxId));
  } else {
    ctx.status('Paste an API key and press Connect.');
    $('api-key').focus();
  }
}

start();
