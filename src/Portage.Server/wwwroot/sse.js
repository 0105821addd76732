// Server-sent events over fetch: EventSource cannot POST or send an Authorization header.
// Frames are separated by a blank line; "event:" names the frame, "data:" lines are joined by newlines,
// lines starting with ":" are comments (the server's keep-alive pings).

/** Parses one frame's text into {event, data}, or null for a frame without data (a ping). */
export function parseFrame(text) {
  let event = 'message';
  const data = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}

/** Yields the frames of a response body as they arrive. */
export async function* readSse(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let match;
    while ((match = /\r?\n\r?\n/.exec(buffer))) {
      const frame = parseFrame(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
      if (frame) yield frame;
    }
    if (done) break;
  }
  const last = parseFrame(buffer);
  if (last) yield last;
}
