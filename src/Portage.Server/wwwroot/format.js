// Small DOM and number helpers shared by the views.

/** Creates an element: el('td', {class: 'num'}, 'text', child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.flat().filter(c => c !== undefined && c !== null));
  return node;
}

/** USD from integer USD·1e-6. */
export const usd = microcents => `$${((microcents ?? 0) / 1e6).toFixed(microcents >= 1e4 ? 4 : 6)}`;

/** Thousands-separated integer. */
export const count = n => (n ?? 0).toLocaleString('en-US');

/** Tokens of a usage object: "12 in / 34 out". */
export const tokens = usage => usage ? `${count(usage.input_tokens + (usage.cache_read_input_tokens ?? 0))} in / ${count(usage.output_tokens)} out` : '';

/** A timestamp, short and local. */
export const when = iso => iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '';

/** A table row from cells; numbers right-aligned. */
export const row = (...cells) => el('tr', {}, cells.map(c => c instanceof Node ? el('td', {}, c)
  : el('td', typeof c === 'number' ? { class: 'num' } : {}, typeof c === 'number' ? count(c) : String(c ?? ''))));
