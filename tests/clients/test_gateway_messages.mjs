// Conversations through `mmadmin serve` with the official OpenAI SDK (issue 16): a system +
// user + assistant + user chat reaches each dialect on mmsim as messages (OpenAI and Mistral as
// they are, Anthropic with a top-level system, Gemini with systemInstruction and role model,
// Cohere v2 messages), streaming too — read back from mmsim's /_sim/last-request — and a
// message the gateway cannot pass on is a 400 naming the field.
import OpenAI from 'openai';
import { assert, rejects, run, startSim } from './lib.mjs';
import { addAccount, catalog, startServe } from './gateway_lib.mjs';

const sim = await startSim();
const cat = catalog();
const dialects = [
  ['openai', 'gpt-4o-mini'],
  ['mistral', 'mistral-large-latest'],
  ['anthropic', 'claude-3-5-haiku-20241022'],
  ['gemini', 'gemini-2.0-flash'],
  ['cohere', 'command-r'],
];
for (const [provider, model] of dialects) {
  addAccount(cat, sim, provider, provider);
  cat.mm('model', 'add', `via-${provider}`, '--type', 'chat');
  cat.mm('target', 'add', `via-${provider}`, '--account', provider, '--model', model);
}
cat.mm('workspace', 'add', 'search');
for (const [provider] of dialects) cat.mm('entitle', `via-${provider}`, 'search');
const key = cat.mm('workspace', 'key', 'add', 'search').trim();
const serve = await startServe(cat);
const client = new OpenAI({ apiKey: key, baseURL: `${serve.url}/v1`, maxRetries: 0 });

const conversation = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Name a colour.' },
  { role: 'assistant', content: 'Blue.' },
  { role: 'user', content: [{ type: 'text', text: 'Another ' }, { type: 'text', text: 'one?' }] },
];
const turns = [['user', 'Name a colour.'], ['assistant', 'Blue.'], ['user', 'Another one?']];

async function lastRequest() {
  const r = await fetch(`${sim.url}/_sim/last-request`);
  return r.json();
}

// What each dialect's body must hold for the conversation above.
function checkBody(provider, body) {
  if (provider === 'anthropic') {
    assert.equal(body.system, 'Be brief.');
    assert.deepEqual(body.messages.map((m) => [m.role, m.content]), turns);
  } else if (provider === 'gemini') {
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(body.contents.map((c) => [c.role, c.parts[0].text]),
      turns.map(([role, text]) => [role === 'assistant' ? 'model' : role, text]));
  } else {
    assert.deepEqual(body.messages.map((m) => [m.role, m.content]),
      [['system', 'Be brief.'], ...turns]);
  }
}

const steps = [];
for (const [provider] of dialects) {
  steps.push([`gateway messages: ${provider} receives the conversation as messages`, async () => {
    const r = await client.chat.completions.create({ model: `via-${provider}`,
      messages: conversation, max_tokens: 16 });
    assert.ok(r.choices[0].message.content.length > 0);
    const last = await lastRequest();
    assert.equal(last.dialect, provider);
    checkBody(provider, last.body);
  }]);
  steps.push([`gateway messages: ${provider} streaming receives them too`, async () => {
    const stream = await client.chat.completions.create({ model: `via-${provider}`,
      messages: conversation, max_tokens: 16, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content || '';
    assert.ok(text.length > 0);
    const last = await lastRequest();
    checkBody(provider, last.body);
  }]);
}
steps.push(['gateway messages: an unknown role is a 400 naming the field', async () => {
  const e = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [...conversation.slice(0, 2), { role: 'wizard', content: 'x' }] }));
  assert.equal(e.status, 400);
  assert.equal(e.param, 'messages[2].role');
  assert.ok(e.error.message.includes('messages[2].role'), e.error.message);
}]);
steps.push(['gateway messages: content that is not text is a 400 naming the part', async () => {
  const e = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }));
  assert.equal(e.status, 400);
  assert.equal(e.param, 'messages[0].content[0]');
  const none = await rejects(() => client.chat.completions.create({ model: 'via-openai',
    messages: [{ role: 'user', content: null }] }));
  assert.equal(none.param, 'messages[0].content');
}]);
steps.push(['gateway messages: SIGTERM exits 0', async () => {
  assert.equal(await serve.stop(), 0);
}]);
await run(sim, steps);
