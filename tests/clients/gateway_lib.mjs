// Helpers for the gateway tests (tests/clients/test_gateway*.mjs): a private catalog wired to
// mmsim, mmadmin commands, and `mmadmin serve` started on a free port and stopped on every exit.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const binary = process.env.MMADMIN;
if (!binary) throw new Error('set MMADMIN to the mmadmin binary (ctest does)');

// A throw-away catalog: returns { env, mm(args...) -> stdout, dir }. Under
// tests/postgres/run.sh (ctest label postgres) it is the private server's database instead.
export function catalog() {
  const dir = mkdtempSync(join(tmpdir(), 'mmadmin-gw-'));
  const pg = process.env.MM_PG_ADDRESS;
  const env = { ...process.env, MM_DB: pg || join(dir, 'catalog.db'), HOME: dir,
    MM_MASTER_KEY: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const mm = (...args) => execFileSync(binary, args, { env, encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'] });
  const sql = (statement) => (pg
    ? execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', pg, '-c', statement],
      { encoding: 'utf8' })
    // serve writes the same file: wait for its write lock as mmadmin does (busy timeout)
    : execFileSync('sqlite3', ['-cmd', '.timeout 5000', env.MM_DB, statement],
      { encoding: 'utf8' }));
  return { env, mm, sql, dir };
}

// An openai-dialect account on mmsim whose key (sk-NAME-key-0123456789) scenarios can fault.
export function addAccount(cat, sim, name, provider = 'openai') {
  const env = { ...cat.env, GW_TEST_KEY: `sk-${name}-key-0123456789` };
  execFileSync(binary, ['account', 'add', name, '--provider', provider, '--endpoint',
    `${sim.url}/${provider}`, '--api-key-env', 'GW_TEST_KEY'], { env, stdio: 'ignore' });
}

// A catalog for a gateway test: accounts on mmsim ([name, provider], default the openai-dialect
// `primary` and `backup`), models ({name: {type, targets: [[account, provider model], ...]}}),
// the workspace entitled to each of `entitle` (a model name, or [name, ...entitle options]),
// and health rules that keep the test's own failures from reordering chains.
export function gatewayCatalog(sim, { models, workspace, entitle,
  accounts = [['primary', 'openai'], ['backup', 'openai']] }) {
  const cat = catalog();
  for (const [name, provider] of accounts) addAccount(cat, sim, name, provider);
  for (const [name, { type, targets }] of Object.entries(models)) {
    cat.mm('model', 'add', name, '--type', type);
    for (const [account, model] of targets) {
      cat.mm('target', 'add', name, '--account', account, '--model', model);
    }
  }
  cat.mm('workspace', 'add', workspace);
  for (const e of entitle) {
    const [model, ...options] = [e].flat();
    cat.mm('entitle', model, workspace, ...options);
  }
  cat.mm('health', 'config', '--degraded-error-rate', '1', '--degraded-rate-limit-hits', '1000000');
  return cat;
}

// Starts `mmadmin serve --listen 127.0.0.1:0`; resolves to { url, stop() -> exit code }. The
// serve is stopped when this process exits, also when it never printed its port (60 s: a
// loaded machine), so a failed start never leaves it running nor keeps the test alive.
export async function startServe(cat, extra = []) {
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', ...extra],
    { env: cat.env, stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  process.once('exit', kill);
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill();
      lines.close();
      reject(new Error('serve did not print its port within 60 s'));
    }, 60000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(Number(line)); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}`)); });
  });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
  return { url: `http://127.0.0.1:${port}`, stop, child };
}
