// A fake OpenAI Chat Completions server for the peer benchmark: every streaming request gets a role chunk, N text
// deltas written as fast as the socket takes them, a finish chunk, a usage chunk and [DONE]; a non-streaming request
// gets the same text as one completion. It prints "listening <port>" once bound.
//
//   node upstream.mjs [--port 0] [--deltas 50]
import http from 'node:http';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const deltas = Number(arg('deltas', '50'));
const chunk = (delta, finish, usage = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1727889370, model: 'gpt-4o-mini',
    choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage,
  })}\n\n`;
const words = Array.from({ length: deltas }, (_, i) => `w${i} `);
const stream = [
  chunk({ role: 'assistant', content: '' }, null),
  ...words.map((w) => chunk({ content: w }, null)),
  chunk({}, 'stop'),
  chunk(null, null, { prompt_tokens: 20, completion_tokens: deltas, total_tokens: 20 + deltas }),
  'data: [DONE]\n\n',
].map((s) => Buffer.from(s));
const whole = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1727889370, model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: words.join('') }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 20, completion_tokens: deltas, total_tokens: 20 + deltas },
}));

const server = http.createServer((req, res) => {
  const body = [];
  req.on('data', (b) => body.push(b));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const streaming = /"stream"\s*:\s*true/.test(Buffer.concat(body).toString());
    if (!streaming) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(whole);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const part of stream) res.write(part);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(arg('port', '0')), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
