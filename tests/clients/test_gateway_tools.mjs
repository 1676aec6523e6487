// Tool calling and images through `mmadmin serve` with the official OpenAI SDK: in every
// dialect a round trip (the model asks for a tool, the pipeline answers with the tool's result,
// the model answers in text), non-streaming and streaming, each dialect's body read back from
// mmsim's /_sim/last-request; streamed calls relayed as OpenAI streams them (a first delta with
// id and name, then the arguments in the pieces the provider sent); ids replayed to Mistral in
// its 9-character form; image parts as Anthropic image blocks and Gemini inlineData / fileData;
// the 400s naming the field; a fallback before the first byte with tools, none after it.
import OpenAI from 'openai';
import { assert, rejects, run, scenario, startSim } from './lib.mjs';
import { gatewayCatalog, startServe } from './gateway_lib.mjs';

const dialects = {
  openai: 'gpt-4o-mini',
  mistral: 'mistral-large-latest',
  anthropic: 'claude-3-5-haiku-20241022',
  gemini: 'gemini-2.0-flash',
  cohere: 'command-r',
};
const sim = await startSim();
const models = {};
for (const [provider, model] of Object.entries(dialects)) {
  models[`via-${provider}`] = { type: 'chat', targets: [[provider, model]] };
}
models.fallback = { type: 'chat',
  targets: [['primary', 'gpt-4o-mini'], ['anthropic', dialects.anthropic]] };
models['fallback-mistral'] = { type: 'chat',
  targets: [['primary', 'gpt-4o-mini'], ['mistral', dialects.mistral]] };
const cat = gatewayCatalog(sim, {
  accounts: [['primary', 'openai'], ...Object.keys(dialects).map((p) => [p, p])],
  models,
  workspace: 'agents',
  entitle: Object.keys(models),
});
const key = cat.mm('workspace', 'key', 'add', 'agents').trim();
const serve = await startServe(cat);
const client = new OpenAI({ apiKey: key, baseURL: `${serve.url}/v1`, maxRetries: 0 });

const tools = [{ type: 'function', function: { name: 'get_weather',
  description: 'The weather in a city now',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'],
    additionalProperties: false } } }];
const question = { role: 'user', content: 'What is the weather in Paris? Use get_weather.' };

async function lastBody() {
  const r = await fetch(`${sim.url}/_sim/last-request`);
  return (await r.json()).body;
}

// How many deltas brought a piece of each call's arguments, and each call's first delta, of the
// last streamed askForTool.
let pieces = [];
let firsts = [];

// The tool call the model asked for, non-streaming or streamed (deltas merged by index).
async function askForTool(model, stream) {
  const request = { model, messages: [question], tools, max_tokens: 32 };
  if (!stream) {
    const r = await client.chat.completions.create(request);
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    return r.choices[0].message.tool_calls;
  }
  const calls = [];
  let finish = null;
  pieces = [];
  firsts = [];
  for await (const chunk of await client.chat.completions.create({ ...request, stream: true })) {
    const choice = chunk.choices[0];
    if (choice?.finish_reason) finish = choice.finish_reason;
    for (const d of choice?.delta?.tool_calls || []) {
      firsts[d.index] ??= d;
      if (d.function?.arguments) pieces[d.index] = (pieces[d.index] || 0) + 1;
      calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
      if (d.id) calls[d.index].id = d.id;
      calls[d.index].function.name += d.function?.name || '';
      calls[d.index].function.arguments += d.function?.arguments || '';
    }
  }
  assert.equal(finish, 'tool_calls');
  return calls;
}

// The dialect's body for the first request: its tools in the dialect's shape.
function checkTools(provider, body) {
  if (provider === 'anthropic') {
    assert.equal(body.tools[0].name, 'get_weather');
    assert.deepEqual(body.tools[0].input_schema.required, ['city']);
  } else if (provider === 'gemini') {
    const decl = body.tools[0].functionDeclarations[0];
    assert.equal(decl.name, 'get_weather');
    assert.equal(decl.parameters.additionalProperties, undefined);
  } else {
    assert.equal(body.tools[0].function.name, 'get_weather');
  }
}

// The dialect's body for the answer: the call and its result in the dialect's shape.
function checkResult(provider, body, call) {
  if (provider === 'anthropic') {
    assert.deepEqual(body.messages[1].content[0], { type: 'tool_use', id: call.id,
      name: 'get_weather', input: { city: 'mmsim' } });
    assert.deepEqual(body.messages[2].content[0], { type: 'tool_result', tool_use_id: call.id,
      content: '{"temperature_c":21}' });
  } else if (provider === 'gemini') {
    assert.deepEqual(body.contents[1].parts[0].functionCall,
      { name: 'get_weather', args: { city: 'mmsim' } });
    assert.deepEqual(body.contents[2].parts[0].functionResponse,
      { name: 'get_weather', response: { temperature_c: 21 } });
  } else {
    assert.equal(body.messages[1].tool_calls[0].id, call.id);
    assert.deepEqual(body.messages[2], { role: 'tool', tool_call_id: call.id,
      content: '{"temperature_c":21}' });
  }
}

const steps = [];
for (const provider of Object.keys(dialects)) {
  for (const stream of [false, true]) {
    const how = stream ? 'streaming' : 'non-streaming';
    steps.push([`gateway tools: ${provider} round trip, ${how}`, async () => {
      const model = `via-${provider}`;
      const calls = await askForTool(model, stream);
      if (stream) {
        // the first delta names the call; the arguments follow in the provider's pieces (mmsim
        // cuts them as OpenAI, Anthropic and Cohere do; Mistral and Gemini send a call whole)
        assert.equal(firsts[0].type, 'function');
        assert.equal(firsts[0].function.name, 'get_weather');
        assert.ok(firsts[0].id.length > 0);
        const whole = provider === 'mistral' || provider === 'gemini';
        assert.ok(whole ? pieces[0] === 1 : pieces[0] > 1,
          `${provider}: ${pieces[0]} argument pieces`);
      }
      assert.equal(calls.length, 1);
      assert.equal(calls[0].type, 'function');
      assert.equal(calls[0].function.name, 'get_weather');
      assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'mmsim' });
      assert.ok(calls[0].id.length > 0);
      checkTools(provider, await lastBody());
      const messages = [question, { role: 'assistant', content: null, tool_calls: calls },
        { role: 'tool', tool_call_id: calls[0].id, content: '{"temperature_c":21}' }];
      const request = { model, messages, tools, max_tokens: 16 };
      let text = '';
      if (stream) {
        for await (const c of await client.chat.completions.create({ ...request, stream: true })) {
          text += c.choices[0]?.delta?.content || '';
        }
      } else {
        const r = await client.chat.completions.create(request);
        assert.equal(r.choices[0].finish_reason, 'stop');
        assert.equal(r.choices[0].message.tool_calls, undefined);
        text = r.choices[0].message.content;
      }
      assert.ok(text.length > 0);
      checkResult(provider, await lastBody(), calls[0]);
    }]);
  }
}
// A conversation begun on OpenAI (call_… ids) replayed to Mistral, which refuses ids that are
// not 9 characters of [a-zA-Z0-9]: each id goes in its 9-character form, the call and its
// result alike.
async function replayToMistral(model, calls) {
  assert.ok(calls[0].id.startsWith('call_'));
  const messages = [question, { role: 'assistant', content: null, tool_calls: calls },
    { role: 'tool', tool_call_id: calls[0].id, content: '{"temperature_c":21}' }];
  const { data, response } = await client.chat.completions
    .create({ model, messages, tools, max_tokens: 16 }).withResponse();
  assert.ok(data.choices[0].message.content.length > 0);
  const body = await lastBody();
  const sent = body.messages[1].tool_calls[0].id;
  assert.match(sent, /^[a-zA-Z0-9]{9}$/);
  assert.equal(body.messages[2].tool_call_id, sent);
  return { sent, response };
}
steps.push(['gateway tools: ids from another provider replayed to Mistral', async () => {
  const calls = await askForTool('via-openai', false);
  const first = await replayToMistral('via-mistral', calls);
  const again = await replayToMistral('via-mistral', calls);
  assert.equal(first.sent, again.sent); // the same id, the same form on every turn
  const r = await fetch(`${sim.url}/mistral/v1/chat/completions`, { method: 'POST',
    headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' },
    body: JSON.stringify({ model: dialects.mistral, messages: [question,
      { role: 'assistant', tool_calls: [{ id: 'call_abc', type: 'function',
        function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '1' }] }) });
  assert.equal(r.status, 400); // what the gateway spares: mmsim refuses them as Mistral does
  assert.match((await r.json()).message, /Tool call id was call_abc but must be a-z, A-Z, 0-9/);
}]);
steps.push(['gateway tools: tool_choice reaches each dialect in its words', async () => {
  const named = { type: 'function', function: { name: 'get_weather' } };
  const ask = (provider, choice) => client.chat.completions.create({ model: `via-${provider}`,
    messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: choice, max_tokens: 8 });
  await ask('anthropic', 'required');
  assert.deepEqual((await lastBody()).tool_choice, { type: 'any' });
  await ask('anthropic', named);
  assert.deepEqual((await lastBody()).tool_choice, { type: 'tool', name: 'get_weather' });
  await ask('gemini', named);
  assert.deepEqual((await lastBody()).toolConfig.functionCallingConfig,
    { mode: 'ANY', allowedFunctionNames: ['get_weather'] });
  await ask('cohere', 'required');
  assert.equal((await lastBody()).tool_choice, 'REQUIRED');
  const r = await ask('anthropic', 'none');
  assert.deepEqual((await lastBody()).tool_choice, { type: 'none' });
  assert.equal(r.choices[0].finish_reason, 'stop');
}]);
steps.push(['gateway tools: image parts become Anthropic image blocks and Gemini parts', async () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  const url = 'https://example.com/cat.png';
  const content = [{ type: 'text', text: 'What is this?' },
    { type: 'image_url', image_url: { url: png } }, { type: 'image_url', image_url: { url } }];
  const ask = (provider) => client.chat.completions.create({ model: `via-${provider}`,
    messages: [{ role: 'user', content }], max_tokens: 8 });
  await ask('anthropic');
  assert.deepEqual((await lastBody()).messages[0].content, [
    { type: 'text', text: 'What is this?' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url } }]);
  await ask('gemini');
  assert.deepEqual((await lastBody()).contents[0].parts, [{ text: 'What is this?' },
    { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    { fileData: { mimeType: 'image/png', fileUri: url } }]);
  await ask('openai');
  assert.deepEqual((await lastBody()).messages[0].content, content);
}]);
steps.push(['gateway tools: what a dialect cannot take is a 400 naming the field', async () => {
  const bmp = await rejects(() => client.chat.completions.create({ model: 'via-anthropic',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'x' },
      { type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }));
  assert.equal(bmp.status, 400);
  assert.ok(bmp.error.message.includes('messages[0].content[1]'), bmp.error.message);
  const legacy = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [question], functions: [tools[0].function] }));
  assert.equal(legacy.status, 400);
  assert.equal(legacy.param, 'functions');
  assert.ok(legacy.error.message.includes("'tools'"), legacy.error.message);
  const orphan = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [question, { role: 'tool', content: 'x' }] }));
  assert.equal(orphan.param, 'messages[1].tool_call_id');
  const badTool = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [question], tools: [{ type: 'function', function: { name: 'no spaces' } }] }));
  assert.equal(badTool.param, 'tools[0].function.name');
}]);
steps.push(['gateway tools: fallback before the first byte keeps the tools', async () => {
  await scenario(sim, { rules: [{ prefix: 'openai', key: 'sk-primary-key-0123456789',
    phases: [{ fault: 'server', fault_rate: 1.0 }] }] });
  const { data, response } = await client.chat.completions
    .create({ model: 'fallback', messages: [question], tools }).withResponse();
  assert.equal(data.choices[0].message.tool_calls[0].function.name, 'get_weather');
  assert.equal(response.headers.get('x-mmadmin-account'), 'anthropic');
  assert.equal(response.headers.get('x-mmadmin-attempts'), '2');
  const calls = await askForTool('fallback', true);
  assert.equal(calls[0].function.name, 'get_weather');
  const { response: replayed } =
    await replayToMistral('fallback-mistral', await askForTool('via-openai', false));
  assert.equal(replayed.headers.get('x-mmadmin-account'), 'mistral');
  await scenario(sim, { rules: [] });
}]);
steps.push(['gateway tools: a tool-call delta commits the stream: a break after it is an error',
  async () => {
    await scenario(sim, { rules: [{ prefix: 'openai', key: 'sk-primary-key-0123456789',
      phases: [{ token_ms: 10, fault: 'stream_break', fault_rate: 1.0 }] }] });
    const seen = [];
    const e = await rejects(async () => {
      const stream = await client.chat.completions.create({ model: 'fallback',
        messages: [question], tools, stream: true });
      for await (const c of stream) seen.push(...(c.choices[0]?.delta?.tool_calls || []));
    });
    assert.equal(seen[0]?.function?.name, 'get_weather', 'no call began before the break');
    assert.ok(/broke after it began/.test(e.message), `the client saw: ${e.message}`);
    await scenario(sim, { rules: [] });
  }]);
steps.push(['gateway tools: SIGTERM exits 0', async () => {
  assert.equal(await serve.stop(), 0);
}]);
await run(sim, steps);
