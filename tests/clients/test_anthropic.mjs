// The official Anthropic SDK (npm "@anthropic-ai/sdk") against mmsim's /anthropic: list models
// (paginated), messages with an API key (x-api-key) and with a bearer token (authToken), a 401,
// and a 429 whose Retry-After the SDK waits for. Anthropic has no embeddings endpoint.
import Anthropic from '@anthropic-ai/sdk';
import { assert, faultFor, paced, rejects, run, scenario, startSim, streamRejects,
  timed } from './lib.mjs';

const sim = await startSim();
const baseURL = `${sim.url}/anthropic`;
const client = new Anthropic({ apiKey: 'sk-ant-client-test', baseURL, maxRetries: 0 });
const hi = { model: 'claude-3-5-haiku-20241022', max_tokens: 16,
  messages: [{ role: 'user', content: 'hi' }] };

await run(sim, [
  ['anthropic: a tool call from mmsim, read by the SDK whole and streamed', async () => {
    const ask = { ...hi, tool_choice: { type: 'any' }, tools: [{ name: 'get_weather',
      input_schema: { type: 'object', properties: { city: { type: 'string' } },
        required: ['city'] } }] };
    const r = await client.messages.create(ask);
    assert.equal(r.stop_reason, 'tool_use');
    assert.equal(r.content[0].type, 'tool_use');
    assert.equal(r.content[0].name, 'get_weather');
    assert.deepEqual(r.content[0].input, { city: 'mmsim' });
    const final = await client.messages.stream(ask).finalMessage(); /* input_json_delta merged */
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(final.content[0].input, { city: 'mmsim' });
  }],
  ['anthropic: list models, every page', async () => {
    const ids = [];
    for await (const model of client.models.list({ limit: 2 })) ids.push(model.id);
    assert.ok(ids.includes('claude-sonnet-4-20250514'), `not listed: ${ids}`);
    assert.ok(ids.length > 2);
  }],
  ['anthropic: messages with x-api-key', async () => {
    const r = await client.messages.create(hi);
    assert.equal(r.content[0].type, 'text');
    assert.ok(r.content[0].text.length > 0);
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
  }],
  ['anthropic: messages with Authorization: Bearer (authToken)', async () => {
    const bearer = new Anthropic({ apiKey: null, authToken: 'sk-ant-oat-client-test', baseURL,
      maxRetries: 0 });
    const r = await bearer.messages.create(hi);
    assert.ok(r.content[0].text.length > 0);
  }],
  ['anthropic: a wrong key is a 401 AuthenticationError', async () => {
    const bad = new Anthropic({ apiKey: 'invalid-key', baseURL, maxRetries: 0 });
    const e = await rejects(() => bad.messages.create(hi));
    assert.ok(e instanceof Anthropic.AuthenticationError, String(e));
    assert.equal(e.status, 401);
  }],
  ['anthropic: streamed messages, read by the SDK\'s MessageStream', async () => {
    await scenario(sim, paced('anthropic', 20));
    const stream = client.messages.stream(hi);
    const pieces = [];
    const at = [];
    const start = performance.now();
    stream.on('text', (t) => { pieces.push(t); at.push(performance.now() - start); });
    const final = await stream.finalMessage();
    assert.ok(pieces.length > 2, `${pieces.length} pieces`);
    assert.ok(at[at.length - 1] - at[0] >= 40, `all pieces at once: ${at}`);
    assert.equal(final.content[0].text, pieces.join(''));
    assert.ok(final.usage.input_tokens > 0 && final.usage.output_tokens > 0);
    assert.ok(['end_turn', 'max_tokens'].includes(final.stop_reason), final.stop_reason);
    await scenario(sim, { rules: [] });
  }],
  ['anthropic: a stream cut halfway is an error the SDK raises', async () => {
    await scenario(sim, paced('anthropic', 0, { fault: 'stream_break', fault_rate: 1.0 }));
    await streamRejects(() => client.messages.create({ ...hi, stream: true }));
    await scenario(sim, { rules: [] });
  }],
  ['anthropic: a 429 with Retry-After 3 s is waited for, then served', async () => {
    await scenario(sim, faultFor('anthropic', 'rate_limit', 3, { retry_after_s: 3 }));
    const once = new Anthropic({ apiKey: 'sk-ant-client-test', baseURL, maxRetries: 1 });
    const [r, ms] = await timed(() => once.messages.create(hi));
    assert.ok(r.content[0].text.length > 0);
    assert.ok(ms >= 2900 && ms < 15000, `waited ${ms} ms`);
    console.log(`# anthropic waited ${Math.round(ms)} ms`);
  }],
]);
