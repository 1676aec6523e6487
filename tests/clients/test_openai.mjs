// The official OpenAI SDK (npm "openai") against mmsim's /openai: list models, chat, embeddings
// (base64 by default, as the SDK asks), a 401 and a 429 whose Retry-After the SDK waits for.
import OpenAI from 'openai';
import { arrivals, assert, faultFor, paced, rejects, run, scenario, startSim, streamRejects,
  timed } from './lib.mjs';

const sim = await startSim();
const baseURL = `${sim.url}/openai`;
const client = new OpenAI({ apiKey: 'sk-client-test-0123456789', baseURL, maxRetries: 0 });

await run(sim, [
  ['openai: a tool call from mmsim, read by the SDK whole and streamed', async () => {
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }],
      tool_choice: 'required', tools: [{ type: 'function', function: { name: 'get_weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } },
          required: ['city'] } } }] };
    const r = await client.chat.completions.create(ask);
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.content, null);
    const stream = client.chat.completions.stream(ask); /* the SDK merges delta.tool_calls */
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'mmsim' });
    assert.ok(call.id.startsWith('call_'), call.id);
  }],
  ['openai: list models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes('gpt-4o'), `gpt-4o not listed: ${ids}`);
  }],
  ['openai: chat', async () => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0);
  }],
  ['openai: embeddings, base64 (the SDK default) decoded to the 8 values of a unit vector', async () => {
    const b64 = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    const v = b64.data[0].embedding;
    assert.equal(v.length, 8, `base64 vector has ${v.length} values`);
    const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    const flt = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello',
      encoding_format: 'float' });
    assert.equal(flt.data[0].embedding.length, 8);
    // the wire: base64 of 8 little-endian float32, the same numbers the SDK returned
    const resp = await fetch(`${baseURL}/embeddings`, { method: 'POST',
      headers: { authorization: 'Bearer sk-client-test-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'base64' }) });
    const wire = (await resp.json()).data[0].embedding;
    assert.equal(typeof wire, 'string');
    const bytes = Buffer.from(wire, 'base64');
    assert.equal(bytes.length, 32);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(bytes.readFloatLE(i * 4)) <= 1);
  }],
  ['openai: a wrong key is a 401 AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'invalid-key', baseURL, maxRetries: 0 });
    const e = await rejects(() => bad.models.list());
    assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_api_key');
  }],
  ['openai: streamed chat in OpenAI chunks, with the usage chunk', async () => {
    await scenario(sim, paced('openai', 20));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, stream: true,
      stream_options: { include_usage: true } });
    let usage = null;
    let finish = null;
    const [pieces, first, last] = await arrivals(stream, (c) => {
      if (c.usage) usage = c.usage;
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      return c.choices[0]?.delta?.content || undefined;
    });
    assert.ok(pieces.length > 2, `${pieces.length} pieces`);
    assert.ok(last - first >= 40, `all pieces at once (${first} .. ${last} ms)`);
    assert.ok(usage && usage.completion_tokens > 0, 'no usage chunk');
    assert.ok(['stop', 'length'].includes(finish), `finish ${finish}`);
    await scenario(sim, { rules: [] });
  }],
  ['openai: a stream cut halfway is an error the SDK raises', async () => {
    await scenario(sim, paced('openai', 0, { fault: 'stream_break', fault_rate: 1.0 }));
    await streamRejects(() => client.chat.completions.create({ model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, stream: true }));
    await scenario(sim, { rules: [] });
  }],
  ['openai: a 429 with Retry-After 3 s is waited for, then served', async () => {
    await scenario(sim, faultFor('openai', 'rate_limit', 3, { retry_after_s: 3 }));
    const once = new OpenAI({ apiKey: 'sk-client-test-0123456789', baseURL, maxRetries: 1 });
    const [r, ms] = await timed(() => once.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }));
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(ms >= 2900 && ms < 15000, `waited ${ms} ms`);
    console.log(`# openai waited ${Math.round(ms)} ms`);
  }],
]);
