// Helpers for the client tests (tests/clients): start mmsim on a free loopback port, load a
// scenario, time a call, assert, and stop mmsim on every exit path.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';

export { assert };

// Starts `mmsim --port 0 --quiet` and resolves to { url, stop } once it prints its port.
export async function startSim() {
  const binary = process.env.MMSIM;
  if (!binary) throw new Error('set MMSIM to the mmsim binary (ctest does)');
  const child = spawn(binary, ['--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mmsim did not print its port')), 10000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(Number(line)); });
    child.once('exit', (code) => reject(new Error(`mmsim exited with ${code}`)));
  });
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
  process.once('exit', stop);
  return { url: `http://127.0.0.1:${port}`, stop };
}

// Replaces mmsim's scenario (docs/mmsim.md).
export async function scenario(sim, body) {
  const resp = await fetch(`${sim.url}/_sim/scenario`, { method: 'PUT', body: JSON.stringify(body) });
  if (resp.status !== 200) throw new Error(`scenario refused: ${await resp.text()}`);
}

// One rule: every request of the prefix gets `fault` (a 429 with retry_after_s given), then,
// after `seconds`, healthy answers.
export function faultFor(prefix, fault, seconds, extra = {}) {
  return { rules: [{ prefix, phases: [{ duration_s: seconds, fault, fault_rate: 1.0, ...extra },
    { latency_ms: 0 }] }] };
}

// A scenario where the prefix's streamed answers pause `ms` before each event after the first
// (so a client sees pieces arrive over time), optionally with a fault.
export function paced(prefix, ms, extra = {}) {
  return { rules: [{ prefix, phases: [{ token_ms: ms, ...extra }] }] };
}

// Iterates an async stream, returning [items, ms from the start to the first item, ms to the
// last]; `pick` maps an item to what is kept (undefined: not kept).
export async function arrivals(stream, pick = (x) => x) {
  const start = performance.now();
  const items = [];
  let first = -1;
  for await (const item of stream) {
    const kept = pick(item);
    if (kept === undefined) continue;
    if (first < 0) first = performance.now() - start;
    items.push(kept);
  }
  return [items, first, performance.now() - start];
}

// Awaits reading a whole stream, which must fail; returns the error.
export async function streamRejects(open) {
  return rejects(async () => {
    for await (const item of await open()) void item;
  });
}

// Runs fn and returns [its result, the milliseconds it took].
export async function timed(fn) {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

// Awaits fn, which must throw; returns the error.
export async function rejects(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

// Runs the named steps in order, printing "ok - name" for each; exits non-zero on the first
// failure, stopping mmsim either way.
export async function run(sim, steps) {
  let code = 0;
  try {
    for (const [name, step] of steps) {
      await step();
      console.log(`ok - ${name}`);
    }
  } catch (e) {
    console.error(`FAIL: ${e.stack || e}`);
    code = 1;
  } finally {
    sim.stop();
  }
  process.exit(code);
}
