// The official Cohere SDK (npm "cohere-ai", v2 client) against mmsim's /cohere: list models,
// chat, embed, a 401, and a 429 whose Retry-After the SDK waits for.
import { CohereClientV2, CohereError } from 'cohere-ai';
import { arrivals, assert, faultFor, paced, rejects, run, scenario, startSim,
  timed } from './lib.mjs';

const sim = await startSim();
const environment = `${sim.url}/cohere`;
const client = new CohereClientV2({ token: 'co-client-test', environment });
const none = { maxRetries: 0 };
const hi = { model: 'command-r', messages: [{ role: 'user', content: 'hi' }] };

await run(sim, [
  ['cohere: a tool call from mmsim, read by the SDK whole and streamed', async () => {
    const ask = { ...hi, toolChoice: 'REQUIRED', tools: [{ type: 'function', function: {
      name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } },
        required: ['city'] } } }] };
    const r = await client.chat(ask, none);
    assert.equal(r.finishReason, 'TOOL_CALL');
    assert.equal(r.message.toolCalls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(r.message.toolCalls[0].function.arguments), { city: 'mmsim' });
    let args = '';
    const kinds = new Set();
    for await (const e of await client.chatStream(ask, none)) {
      kinds.add(e.type);
      if (e.type === 'tool-call-delta') args += e.delta.message.toolCalls.function.arguments;
    }
    assert.ok(kinds.has('tool-call-start') && kinds.has('tool-call-end'), [...kinds].join());
    assert.deepEqual(JSON.parse(args), { city: 'mmsim' });
  }],
  ['cohere: list models', async () => {
    const r = await client.models.list({}, none);
    const names = r.models.map((m) => m.name);
    assert.ok(names.includes('command-r-plus'), `not listed: ${names}`);
  }],
  ['cohere: chat (v2)', async () => {
    const r = await client.chat(hi, none);
    assert.ok(r.message.content[0].text.length > 0);
    assert.ok(r.usage.billedUnits.inputTokens > 0);
  }],
  ['cohere: embed (v2)', async () => {
    const r = await client.embed({ model: 'embed-english-v3.0', texts: ['hello'],
      inputType: 'search_document', embeddingTypes: ['float'] }, none);
    assert.equal(r.embeddings.float[0].length, 8);
  }],
  ['cohere: a wrong key is a 401', async () => {
    const bad = new CohereClientV2({ token: 'invalid-key', environment });
    const e = await rejects(() => bad.chat(hi, none));
    assert.ok(e instanceof CohereError, String(e));
    assert.equal(e.statusCode, 401);
  }],
  ['cohere: chatStream (v2 events)', async () => {
    await scenario(sim, paced('cohere', 20));
    let usage = null;
    let finish = null;
    const stream = await client.chatStream(hi, none);
    const [pieces, first, last] = await arrivals(stream, (e) => {
      if (e.type === 'message-end') {
        usage = e.delta?.usage;
        finish = e.delta?.finishReason;
      }
      return e.type === 'content-delta' ? e.delta.message.content.text : undefined;
    });
    assert.ok(pieces.length > 2, `${pieces.length} pieces`);
    assert.ok(last - first >= 40, `all pieces at once (${first} .. ${last} ms)`);
    assert.ok(usage?.billedUnits?.outputTokens > 0, `usage ${JSON.stringify(usage)}`);
    assert.ok(['COMPLETE', 'MAX_TOKENS'].includes(finish), `finish ${finish}`);
    await scenario(sim, { rules: [] });
  }],
  ['cohere: a 429 with Retry-After 3 s is waited for, then served', async () => {
    await scenario(sim, faultFor('cohere', 'rate_limit', 3, { retry_after_s: 3 }));
    const [r, ms] = await timed(() => client.chat(hi, { maxRetries: 1 }));
    assert.ok(r.message.content[0].text.length > 0);
    assert.ok(ms >= 2900 && ms < 15000, `waited ${ms} ms`);
    console.log(`# cohere waited ${Math.round(ms)} ms`);
  }],
]);
