// Installs Portkey's open-source gateway into a scratch folder (once) and returns its server script.
// On Node 20 its updateHeaders throws on a fetched response's immutable headers; that method only adds diagnostic
// headers, so the scratch copy wraps it in try/catch (the one change made to the peer).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const PortkeyVersion = '1.15.2';

export async function installPortkey(scratch, log) {
  const root = path.join(scratch, 'portkey');
  const server = path.join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const manifest = path.join(root, 'node_modules/@portkey-ai/gateway/package.json');
  if (!fs.existsSync(manifest) || JSON.parse(fs.readFileSync(manifest, 'utf8')).version !== PortkeyVersion) {
    log(`installing @portkey-ai/gateway@${PortkeyVersion} into ${root}`);
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{"private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `@portkey-ai/gateway@${PortkeyVersion}`], { cwd: root, stdio: 'inherit' });
  }
  const code = fs.readFileSync(server, 'utf8');
  if (!code.includes('__portageUnpatchedUpdateHeaders')) {
    const patched = code.replace(/updateHeaders\((\w),(\w),(\w)\)\{/,
      'updateHeaders($1,$2,$3){try{return this.__portageUnpatchedUpdateHeaders($1,$2,$3)}catch{return $1}}__portageUnpatchedUpdateHeaders($1,$2,$3){');
    if (patched === code) throw new Error('Portkey: updateHeaders not found; the patch needs updating for this version');
    fs.writeFileSync(server, patched);
  }
  return server;
}
