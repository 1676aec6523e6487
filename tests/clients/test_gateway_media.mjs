// The official OpenAI SDK (npm "openai") against `mmadmin serve` for image and audio models
// (issue 16): images.generate (with a fallback when the primary fails), audio.transcriptions
// .create with a small WAV, audio.speech.create, their cost per image / second / character in
// `health --json` against an independent recount, and a chat model refusing an image request
// and an image model refusing a chat.
import OpenAI, { toFile } from 'openai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, rejects, run, scenario, startSim } from './lib.mjs';
import { gatewayCatalog, startServe } from './gateway_lib.mjs';

const PER_IMAGE = 0.04;
const PER_SECOND = 0.0001;
const PER_CHARACTER = 0.000015;

const sim = await startSim();
const cat = gatewayCatalog(sim, {
  models: {
    draw: { type: 'image', targets: [['primary', 'dall-e-3'], ['backup', 'dall-e-3']] },
    listen: { type: 'audio', targets: [['primary', 'whisper-1']] },
    speak: { type: 'audio', targets: [['primary', 'tts-1']] },
    chat: { type: 'chat', targets: [['primary', 'gpt-4o-mini']] },
  },
  workspace: 'studio',
  entitle: ['draw', 'listen', 'speak', 'chat'],
});
const prices = join(cat.dir, 'media-prices.json');
writeFileSync(prices, JSON.stringify({ date: '2026-01-01', prices: [
  { provider: 'openai', model: 'dall-e-3', per_image: PER_IMAGE },
  { provider: 'openai', model: 'whisper-1', per_second: PER_SECOND },
  { provider: 'openai', model: 'tts-1', per_character: PER_CHARACTER }] }));
cat.mm('prices', 'import', prices);
const key = cat.mm('workspace', 'key', 'add', 'studio').trim();
const serve = await startServe(cat);
const client = new OpenAI({ apiKey: key, baseURL: `${serve.url}/v1`, maxRetries: 0 });

// A WAV of `seconds` of silence at 8 kHz, 16-bit mono.
function wav(seconds) {
  const data = Buffer.alloc(8000 * 2 * seconds);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24); h.writeUInt32LE(16000, 28); h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const costOf = (account) => JSON.parse(cat.mm('health', '--json'))
  .find((a) => a.account === account).cost_usd_month;
const near = (got, want, what) => assert.ok(Math.abs(got - want) < 1e-6,
  `${what}: ${got} USD, expected ${want}`);
const spoken = 'Hello from the gateway';
const served = { primary: 0, backup: 0 }; // the independent recount, in USD

await run(sim, [
  ['gateway media: the model picker shows image and audio models with their type', async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    assert.equal(models.find((m) => m.id === 'draw').type, 'image');
    assert.equal(models.find((m) => m.id === 'listen').type, 'audio');
  }],
  ['gateway media: images.generate answers a PNG (b64_json) with served-by headers', async () => {
    const { data: r, response } = await client.images.generate({ model: 'draw',
      prompt: 'a red fox', n: 2, size: '1024x1024', response_format: 'b64_json' }).withResponse();
    assert.equal(r.data.length, 2);
    const png = Buffer.from(r.data[0].b64_json, 'base64');
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
    assert.equal(response.headers.get('x-mmadmin-account'), 'primary');
    assert.equal(response.headers.get('x-mmadmin-provider-model'), 'dall-e-3');
    served.primary += 2 * PER_IMAGE;
  }],
  ['gateway media: an image model falls back when the primary fails', async () => {
    await scenario(sim, { rules: [{ prefix: 'openai', key: 'sk-primary-key-0123456789',
      phases: [{ fault: 'server', fault_rate: 1.0 }] }] });
    const { data: r, response } = await client.images.generate({ model: 'draw',
      prompt: 'a fox in the snow' }).withResponse();
    assert.equal(r.data.length, 1);
    assert.equal(response.headers.get('x-mmadmin-account'), 'backup');
    assert.equal(response.headers.get('x-mmadmin-attempts'), '2');
    await scenario(sim, { rules: [] });
    served.backup += PER_IMAGE;
  }],
  ['gateway media: audio.transcriptions.create with a 3-second WAV', async () => {
    const r = await client.audio.transcriptions.create({ model: 'listen',
      file: await toFile(wav(3), 'memo.wav', { type: 'audio/wav' }) });
    assert.match(r.text, /3\.00 seconds/);
    const v = await client.audio.transcriptions.create({ model: 'listen',
      file: await toFile(wav(1), 'short.wav'), response_format: 'verbose_json' });
    assert.equal(v.duration, 1);
    served.primary += 4 * PER_SECOND;
  }],
  ['gateway media: audio.speech.create answers the audio bytes', async () => {
    const r = await client.audio.speech.create({ model: 'speak', voice: 'alloy',
      input: spoken, response_format: 'wav' });
    const audio = Buffer.from(await r.arrayBuffer());
    assert.equal(audio.subarray(0, 4).toString(), 'RIFF');
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    served.primary += spoken.length * PER_CHARACTER;
  }],
  ['gateway media: cost per image, second and character in health --json', async () => {
    for (let i = 0; i < 20 && Math.abs(costOf('primary') - served.primary) > 1e-6; i++)
      await new Promise((r) => setTimeout(r, 100)); // batched usage events
    near(costOf('primary'), served.primary, 'primary');
    near(costOf('backup'), served.backup, 'backup');
  }],
  ['gateway media: a chat model refuses an image request, an image model a chat', async () => {
    const e = await rejects(() => client.images.generate({ model: 'chat', prompt: 'a fox' }));
    assert.equal(e.status, 400);
    assert.match(e.message, /model 'chat' is a chat model: it takes text/);
    const c = await rejects(() => client.chat.completions.create({ model: 'draw',
      messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(c.status, 400);
    assert.match(c.message, /model 'draw' is an image model/);
    const file = await toFile(wav(1), 'a.wav');
    const t = await rejects(() => client.audio.transcriptions.create({ model: 'draw', file }));
    assert.equal(t.status, 400);
  }],
  ['gateway media: SIGTERM exits 0', async () => {
    assert.equal(await serve.stop(), 0);
  }],
]);
