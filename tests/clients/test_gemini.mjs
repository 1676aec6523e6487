// The official Gemini SDK (npm "@google/genai") against mmsim's /gemini: list models, generate,
// embed (through :batchEmbedContents), a bad key (Gemini answers 400 API_KEY_INVALID, not 401),
// and a 429 carrying RetryInfo and "Please retry in …s". The SDK does not wait for RetryInfo by
// itself (it retries only with retryOptions, on its own back-off): mmadmin reads it instead.
import { GoogleGenAI } from '@google/genai';
import { arrivals, assert, faultFor, paced, rejects, run, scenario, startSim,
  streamRejects } from './lib.mjs';

const sim = await startSim();
const httpOptions = { baseUrl: `${sim.url}/gemini` }; // the SDK adds /v1beta/...
const ai = new GoogleGenAI({ apiKey: 'gemini-client-test', httpOptions });

await run(sim, [
  ['gemini: a functionCall from mmsim, read by the SDK whole and streamed', async () => {
    const ask = { model: 'gemini-2.0-flash', contents: 'weather?',
      config: { tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: {
        type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } } } };
    const r = await ai.models.generateContent(ask);
    assert.deepEqual(r.functionCalls.map((c) => [c.name, c.args]),
      [['get_weather', { city: 'mmsim' }]]);
    const calls = [];
    for await (const chunk of await ai.models.generateContentStream(ask)) {
      calls.push(...(chunk.functionCalls || []));
    }
    assert.deepEqual(calls.map((c) => c.name), ['get_weather']);
  }],
  ['gemini: list models, every page', async () => {
    const names = [];
    const pager = await ai.models.list({ config: { pageSize: 2 } });
    for await (const model of pager) names.push(model.name);
    assert.ok(names.includes('models/gemini-2.0-flash'), `not listed: ${names}`);
    assert.ok(names.length > 2);
  }],
  ['gemini: generateContent', async () => {
    const r = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' });
    assert.ok(r.text.length > 0);
    assert.ok(r.usageMetadata.promptTokenCount > 0);
  }],
  ['gemini: embedContent (sent as :batchEmbedContents)', async () => {
    const r = await ai.models.embedContent({ model: 'text-embedding-004',
      contents: ['hello', 'world'] });
    assert.equal(r.embeddings.length, 2);
    assert.equal(r.embeddings[0].values.length, 8);
  }],
  ['gemini: a wrong key is a 400 API_KEY_INVALID', async () => {
    const bad = new GoogleGenAI({ apiKey: 'invalid-key', httpOptions });
    const e = await rejects(() => bad.models.generateContent({ model: 'gemini-2.0-flash',
      contents: 'hi' }));
    assert.equal(e.status, 400, String(e));
    assert.match(e.message, /API_KEY_INVALID/);
  }],
  ['gemini: generateContentStream (:streamGenerateContent?alt=sse)', async () => {
    await scenario(sim, paced('gemini', 20));
    let usage = null;
    let finish = null;
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.0-flash',
      contents: 'hi' });
    const [pieces, first, last] = await arrivals(stream, (c) => {
      if (c.usageMetadata) usage = c.usageMetadata;
      if (c.candidates?.[0]?.finishReason) finish = c.candidates[0].finishReason;
      return c.text || undefined;
    });
    assert.ok(pieces.length > 2, `${pieces.length} pieces`);
    assert.ok(last - first >= 40, `all pieces at once (${first} .. ${last} ms)`);
    assert.ok(usage.promptTokenCount > 0 && usage.candidatesTokenCount > 0);
    assert.ok(['STOP', 'MAX_TOKENS'].includes(finish), `finish ${finish}`);
    await scenario(sim, { rules: [] });
  }],
  ['gemini: a stream cut halfway is an error the SDK raises', async () => {
    await scenario(sim, paced('gemini', 0, { fault: 'stream_break', fault_rate: 1.0 }));
    await streamRejects(() => ai.models.generateContentStream({ model: 'gemini-2.0-flash',
      contents: 'hi' }));
    await scenario(sim, { rules: [] });
  }],
  ['gemini: a 429 carries RetryInfo "3s" and "Please retry in 3.2s."', async () => {
    await scenario(sim, faultFor('gemini', 'rate_limit', 30, { retry_after_s: 3 }));
    const e = await rejects(() => ai.models.generateContent({ model: 'gemini-2.0-flash',
      contents: 'hi' }));
    assert.equal(e.status, 429, String(e));
    assert.match(e.message, /Please retry in 3\.2s\./);
    assert.match(e.message, /"retryDelay":\s*"3s"/);
    assert.match(e.message, /google\.rpc\.RetryInfo/);
  }],
]);
