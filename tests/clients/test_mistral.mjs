// The official Mistral SDK (npm "@mistralai/mistralai") against mmsim's /mistral (the SDK adds
// /v1/...): list models, chat, embeddings, a 401, and a 429 whose Retry-After the SDK's back-off
// strategy waits for.
import { Mistral } from '@mistralai/mistralai';
import { arrivals, assert, faultFor, paced, rejects, run, scenario, startSim,
  timed } from './lib.mjs';

const sim = await startSim();
const serverURL = `${sim.url}/mistral`;
const client = new Mistral({ apiKey: 'mistral-client-test', serverURL });
const hi = { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }] };

await run(sim, [
  ['mistral: a tool call from mmsim, read by the SDK whole and streamed', async () => {
    const ask = { ...hi, toolChoice: 'any', tools: [{ type: 'function', function: {
      name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } },
        required: ['city'] } } }] };
    const r = await client.chat.complete(ask);
    assert.equal(r.choices[0].finishReason, 'tool_calls');
    assert.equal(r.choices[0].message.toolCalls[0].function.name, 'get_weather');
    let args = '';
    for await (const e of await client.chat.stream(ask)) {
      for (const c of e.data.choices[0]?.delta?.toolCalls || []) args += c.function.arguments;
    }
    assert.deepEqual(JSON.parse(args), { city: 'mmsim' });
  }],
  ['mistral: list models', async () => {
    const r = await client.models.list();
    const ids = r.data.map((m) => m.id);
    assert.ok(ids.includes('mistral-embed'), `not listed: ${ids}`);
  }],
  ['mistral: chat', async () => {
    const r = await client.chat.complete(hi);
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(r.usage.promptTokens > 0);
  }],
  ['mistral: embeddings', async () => {
    const r = await client.embeddings.create({ model: 'mistral-embed', inputs: ['hello'] });
    assert.equal(r.data[0].embedding.length, 8);
  }],
  ['mistral: a wrong key is a 401', async () => {
    const bad = new Mistral({ apiKey: 'invalid-key', serverURL });
    const e = await rejects(() => bad.chat.complete(hi));
    assert.equal(e.statusCode, 401, String(e));
  }],
  ['mistral: chat.stream, usage in the last chunk unasked', async () => {
    await scenario(sim, paced('mistral', 20));
    let usage = null;
    const stream = await client.chat.stream(hi);
    const [pieces, first, last] = await arrivals(stream, (e) => {
      if (e.data.usage) usage = e.data.usage;
      return e.data.choices[0]?.delta?.content || undefined;
    });
    assert.ok(pieces.length > 2, `${pieces.length} pieces`);
    assert.ok(last - first >= 40, `all pieces at once (${first} .. ${last} ms)`);
    assert.ok(usage && usage.completionTokens > 0, `usage ${JSON.stringify(usage)}`);
    await scenario(sim, { rules: [] });
  }],
  ['mistral: a 429 with Retry-After 3 s is waited for, then served', async () => {
    await scenario(sim, faultFor('mistral', 'rate_limit', 3, { retry_after_s: 3 }));
    const retries = { strategy: 'backoff', retryConnectionErrors: false,
      backoff: { initialInterval: 100, maxInterval: 10000, exponent: 1.5, maxElapsedTime: 2000 } };
    const [r, ms] = await timed(() => client.chat.complete(hi, { retries, retryCodes: ['429'] }));
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(ms >= 2900 && ms < 15000, `waited ${ms} ms`);
    console.log(`# mistral waited ${Math.round(ms)} ms`);
  }],
]);
