// Peer benchmark: Portage beside a plain AI gateway (Portkey's open-source gateway, npm @portkey-ai/gateway@1.15.2),
// each in its own process, in front of one fake OpenAI-compatible upstream, driven by this one Node load driver at
// each concurrency level: the same streams straight to the upstream, through Portkey, and through Portage (the
// `openai` provider pointed at the upstream; a new end user per stream, so each is the first turn of a new window).
// Prints a Markdown table (TTFT p50, streams/s, CPU ms per stream of each process) and writes the figures as JSON.
// docs/benchmarks.md ("Peer comparison") explains it.
//
//   node bench/peer/peer.mjs [--levels 1,16,64,256] [--streams 600] [--warmup 2000] [--warmup-seconds 30] [--deltas 50]
//                            [--postgres "<connection string>"] [--no-build] [--out peer-results.json]
//                            [--targets direct,portkey,portage] [--set Section:Key=value ...] [--portage-dll <path>]
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installPortkey } from './portkey.mjs';
import { cpuMs, percentile } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const options = {
  levels: arg('levels', '1,16,64,256').split(',').map(Number),
  streams: Number(arg('streams', '600')),
  warmup: Number(arg('warmup', '2000')),
  // .NET's JIT keeps re-compiling hot methods (tiered compilation, PGO) for about 25 s of load after the start; measured
  // before that, Portage's CPU figures carry 10-15 % of JIT time a long-running router no longer pays.
  warmupSeconds: Number(arg('warmup-seconds', '30')),
  deltas: Number(arg('deltas', '50')),
  postgres: arg('postgres', null),
  build: !process.argv.includes('--no-build'),
  out: arg('out', 'peer-results.json'),
  targets: arg('targets', 'direct,portkey,portage').split(','),
  settings: process.argv.flatMap((a, i) => (a === '--set' ? [process.argv[i + 1]] : [])),
};
const log = (message) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
process.on('SIGINT', () => process.exit(130));

const freePort = () => new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});

function start(name, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  child.on('exit', (code) => { if (code) log(`${name} exited with ${code}: ${output.slice(-2000)}`); });
  return { name, child, output: () => output };
}

async function waitFor(what, probe, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${seconds} s`);
}

const get = (url) => new Promise((resolve, reject) => {
  http.get(url, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); }).on('error', reject);
});

// One stream: time to the first text delta, time to the end, and whether the stream ended as it should.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
function stream(target, i) {
  const { url, headers, body, marker, terminal } = target.request(i);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let first = NaN;
      let seen = '';
      res.setEncoding('utf8');
      res.on('data', (text) => {
        seen = (seen + text).slice(-4096);
        if (Number.isNaN(first) && seen.includes(marker)) first = performance.now() - started;
      });
      res.on('end', () => {
        const ok = res.statusCode === 200 && seen.includes(terminal) && !Number.isNaN(first);
        resolve({ ok, ttft: first, total: performance.now() - started, error: ok ? null : `${res.statusCode} ${seen.slice(-300)}` });
      });
    });
    req.on('error', (e) => resolve({ ok: false, ttft: NaN, total: NaN, error: e.message }));
    req.end(JSON.stringify(body));
  });
}

async function batch(target, concurrency, count) {
  const samples = new Array(count);
  let next = 0;
  const cpuBefore = cpuMs(target.pid());
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < count; i = next++) samples[i] = await stream(target, `${concurrency}-${i}-${began.toFixed(0)}`);
  }));
  const wall = (performance.now() - began) / 1000;
  // Work a run leaves behind (its commit, queued indexing) is part of its cost.
  await new Promise((r) => setTimeout(r, 250));
  const cpu = cpuMs(target.pid()) - cpuBefore;
  const ok = samples.filter((s) => s.ok);
  return {
    streams: count, failed: count - ok.length, firstError: samples.find((s) => !s.ok)?.error ?? null,
    ttftP50: percentile(ok.map((s) => s.ttft), 50), ttftP90: percentile(ok.map((s) => s.ttft), 90),
    totalP50: percentile(ok.map((s) => s.total), 50), streamsPerSecond: ok.length / wall, cpuMsPerStream: cpu / count,
  };
}

// --- start everything -------------------------------------------------------------------------------------------
const scratch = path.join(os.tmpdir(), 'portage-peer');
fs.mkdirSync(scratch, { recursive: true });
const portkeyServer = await installPortkey(scratch, log);
const portageDll = arg('portage-dll', path.join(repo, 'artifacts/bin/Portage.Server/release/Portage.Server.dll'));
if (options.build) {
  log('building Portage (Release)');
  execFileSync('dotnet', ['build', '-c', 'Release', '-v', 'q', '-nologo', path.join(repo, 'src/Portage.Server')], { stdio: 'inherit' });
}

const upstreamPort = await freePort();
const upstream = start('upstream', process.execPath, [path.join(here, 'upstream.mjs'), '--port', String(upstreamPort), '--deltas', String(options.deltas)]);
const upstreamBase = `http://127.0.0.1:${upstreamPort}/v1`;
await waitFor('the fake upstream', async () => upstream.output().includes('listening'));

const portkeyPort = await freePort();
const portkey = start('portkey', process.execPath, [portkeyServer, `--port=${portkeyPort}`, '--headless'], { NODE_ENV: 'production' });
await waitFor('Portkey', async () => (await get(`http://127.0.0.1:${portkeyPort}/`)) === 200);

const portagePort = await freePort();
const data = fs.mkdtempSync(path.join(scratch, 'data-'));
const portage = start('portage', 'dotnet', [
  portageDll, `--urls=http://127.0.0.1:${portagePort}`, `--Portage:DataFolder=${data}`, '--Logging:LogLevel:Default=Warning',
  `--Providers:OpenAI:BaseUrl=${upstreamBase}`, '--Providers:OpenAI:ApiKey=bench-key',
  ...(options.postgres ? ['--Storage:Provider=postgres', `--ConnectionStrings:Postgres=${options.postgres}`] : []),
  ...options.settings.map((setting) => `--${setting}`),
], { ASPNETCORE_ENVIRONMENT: 'Production', DOTNET_gcServer: process.env.DOTNET_gcServer ?? '' });
const credentialsFile = path.join(data, 'credentials.json');
await waitFor('Portage', async () => fs.existsSync(credentialsFile) && (await get(`http://127.0.0.1:${portagePort}/readyz`)) === 200);
const credentials = JSON.parse(fs.readFileSync(credentialsFile, 'utf8'));
const apiKey = credentials.api_key ?? credentials.apiKey;
const sandbox = credentials.sandbox_id ?? credentials.sandboxId;
log(`upstream :${upstreamPort}, Portkey :${portkeyPort}, Portage :${portagePort} (${options.postgres ? 'PostgreSQL' : 'SQLite'})`);

const chat = { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [
  { role: 'system', content: 'You are a benchmark.' }, { role: 'user', content: 'Write fifty words about rivers.' }] };
const openAiDelta = '"content":"w';
const targets = {
  direct: { pid: () => upstream.child.pid, request: () => ({
    url: `${upstreamBase}/chat/completions`, headers: { authorization: 'Bearer bench-key' }, body: chat, marker: openAiDelta, terminal: '[DONE]' }) },
  portkey: { pid: () => portkey.child.pid, request: () => ({
    url: `http://127.0.0.1:${portkeyPort}/v1/chat/completions`,
    headers: { authorization: 'Bearer bench-key', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamBase },
    body: chat, marker: openAiDelta, terminal: '[DONE]' }) },
  portage: { pid: () => portage.child.pid, request: (i) => ({
    url: `http://127.0.0.1:${portagePort}/api/v1/storage/sandboxes/${sandbox}/agents/run`, headers: { authorization: `Bearer ${apiKey}` },
    body: { provider: 'openai', system_prompt: 'You are a benchmark.', messages: [{ role: 'user', content: 'Write fifty words about rivers.' }], end_user_id: `peer-${i}` },
    marker: 'event: agent_text_delta', terminal: 'event: agent_finish' }) },
};

for (const name of Object.keys(targets)) if (!options.targets.includes(name)) delete targets[name];

// --- measure ----------------------------------------------------------------------------------------------------
for (const [name, target] of Object.entries(targets)) {
  log(`warming ${name} (at least ${options.warmup} streams and ${options.warmupSeconds} s)`);
  const warmUntil = performance.now() + options.warmupSeconds * 1000;
  for (let done = 0; done < options.warmup || performance.now() < warmUntil; done += 500) await batch(target, 16, 500);
}

// A database in service has planner statistics; a fresh one has none until autovacuum's first pass (about a minute
// in), and until then PostgreSQL may answer a window lookup by walking every window. Measure what a database in service
// does: ANALYZE once the warmup has filled the tables (psql, with the connection string's host, port, database, user).
if (options.postgres) {
  const parts = Object.fromEntries(options.postgres.split(';').filter(Boolean).map((p) => {
    const at = p.indexOf('=');
    return [p.slice(0, at).trim().toLowerCase(), p.slice(at + 1).trim()];
  }));
  try {
    execFileSync('psql', ['-q', '-c', 'ANALYZE'], { stdio: 'inherit', env: { ...process.env,
      PGHOST: parts.host ?? '127.0.0.1', PGPORT: parts.port ?? '5432', PGDATABASE: parts.database ?? '', PGUSER: parts.username ?? parts['user id'] ?? '',
      PGPASSWORD: parts.password ?? '' } });
    log('PostgreSQL: ANALYZE after the warmup');
  } catch (e) {
    log(`PostgreSQL: ANALYZE after the warmup failed (${e.message}); the first levels may see a database without statistics`);
  }
}

const results = [];
for (const level of options.levels) {
  const row = { level };
  for (const [name, target] of Object.entries(targets)) {
    await new Promise((r) => setTimeout(r, 500));
    row[name] = await batch(target, level, options.streams);
    const r = row[name];
    log(`${level} in flight, ${name}: TTFT p50 ${r.ttftP50.toFixed(1)} ms, ${r.streamsPerSecond.toFixed(0)} streams/s, ` +
      `${r.cpuMsPerStream.toFixed(2)} CPU ms/stream, ${r.failed} failed${r.firstError ? ` (${r.firstError})` : ''}`);
  }
  results.push(row);
}

const f = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const lines = [
  `Peer comparison: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ` +
    `${options.streams} streams per level, ${options.deltas} deltas per stream, Portage on ${options.postgres ? 'PostgreSQL' : 'SQLite'}`,
  '',
  '| streams in flight | direct TTFT p50 | Portkey TTFT p50 / streams/s | Portage TTFT p50 / streams/s | CPU ms per stream Portkey / Portage | Portage ÷ Portkey streams/s |',
  '|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.level} | ${f(r.direct?.ttftP50)} ms | ${f(r.portkey?.ttftP50)} ms / ${f(r.portkey?.streamsPerSecond, 0)} | ` +
    `${f(r.portage?.ttftP50)} ms / ${f(r.portage?.streamsPerSecond, 0)} | ${f(r.portkey?.cpuMsPerStream, 2)} / ${f(r.portage?.cpuMsPerStream, 2)} | ` +
    `${f(r.portage?.streamsPerSecond / r.portkey?.streamsPerSecond, 2)}× |`),
  '',
];
process.stdout.write(lines.join('\n'));
fs.writeFileSync(options.out, JSON.stringify({ options: { ...options, postgres: options.postgres ? '(given)' : null }, results }, null, 2));
log(`wrote ${path.resolve(options.out)}`);
const failed = results.some((r) => Object.values(r).some((v) => v?.failed > 0));
fs.rmSync(data, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
