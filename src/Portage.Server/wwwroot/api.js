// The console talks only to the public API, with the same key and paths as the SDK and the CLI.
import { readSse } from './sse.js';

/** An answer with an error status: {"error","detail"} from the server. */
export class ApiError extends Error {
  constructor(status, error, detail) {
    super(`${error}: ${detail}`);
    this.status = status;
    this.error = error;
  }
}

async function failure(response) {
  let body = {};
  try { body = await response.json(); } catch { /* not JSON: keep the status */ }
  return new ApiError(response.status, body.error ?? `http_${response.status}`, body.detail ?? response.statusText);
}

export class Api {
  constructor(key) { this.key = key; }

  headers(json) {
    const headers = { Authorization: `Bearer ${this.key}` };
    if (json) headers['Content-Type'] = 'application/json';
    return headers;
  }

  async get(path, query = {}) {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
    const response = await fetch(`/api/v1/${path}${params.size ? `?${params}` : ''}`, { headers: this.headers(false) });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  /** Every turn of a window in order, a page at a time (a page is at most 500 turns, or 4 MiB of them). */
  async turns(sandboxId, windowId, endUser) {
    const turns = [];
    for (let after = 0; after !== null;) {
      const page = await this.get(sandboxPath(sandboxId, `sources/${encodeURIComponent(windowId)}/turns`),
        { end_user_id: endUser, after_seq: after || null, limit: 500 });
      turns.push(...page.turns);
      after = page.has_more ? page.next_after_seq : null;
    }
    return turns;
  }

  /** Every item of a list paged by cursor ({[key]: [...], next_cursor}), following the pages to the end. */
  async all(path, query, key) {
    const items = [];
    let cursor = null;
    do {
      const page = await this.get(path, { ...query, cursor });
      items.push(...page[key]);
      cursor = page.next_cursor ?? null;
    } while (cursor);
    return items;
  }

  async post(path, body = {}) {
    const response = await fetch(`/api/v1/${path}`, { method: 'POST', headers: this.headers(true), body: JSON.stringify(body) });
    if (!response.ok) throw await failure(response);
    return response.json();
  }

  /** Runs a turn; yields {event, data} with data parsed from JSON. */
  async *run(sandboxId, body, signal) {
    const response = await fetch(`/api/v1/storage/sandboxes/${encodeURIComponent(sandboxId)}/agents/run`, {
      method: 'POST', headers: { ...this.headers(true), Accept: 'text/event-stream' }, body: JSON.stringify(body), signal,
    });
    if (!response.ok) throw await failure(response);
    for await (const frame of readSse(response.body)) {
      const data = json(frame.data);
      // A frame of a newer router may carry anything; the callers skip events they do not know, and here data that is not JSON.
      if (data !== undefined) yield { event: frame.event, data };
    }
  }
}

function json(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

/** The path of a sandbox resource. */
export const sandboxPath = (sandboxId, rest) => `storage/sandboxes/${encodeURIComponent(sandboxId)}/${rest}`;
