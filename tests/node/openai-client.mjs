// The official openai npm package against Portage's /v1, as a Node app written for OpenAI would use it. Run by
// tests/Portage.Server.Tests/OpenAICompatible/NodeOpenAIClientTests.cs with PORTAGE_V1 (the router's /v1 URL) and
// PORTAGE_KEY; prints one JSON object of what the client saw, which the test asserts on.
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.PORTAGE_V1, apiKey: process.env.PORTAGE_KEY, maxRetries: 0 });
const user = 'u-node';
const seen = {};

// Responses: three turns threaded by previous_response_id, switching providers; turn 2 streamed.
const first = await client.responses.create({ model: 'echo', input: 'What are my open GitHub issues?', user });
seen.first = { id: first.id, text: first.output_text, status: first.status, usage: first.usage };

const stream = await client.responses.create({ model: 'mirror', input: 'Which ones are blocked?', user, previous_response_id: first.id, stream: true });
const events = [];
let streamed = '';
let second;
for await (const event of stream) {
  events.push(event.type);
  if (event.type === 'response.output_text.delta') streamed += event.delta;
  if (event.type === 'response.completed') second = event.response;
}
seen.second = { id: second.id, text: streamed, completedText: second.output.flatMap(i => i.content ?? []).map(c => c.text).join(''), events, usage: second.usage, previous: second.previous_response_id };

const third = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'Draft a comment on the top one.', user, previous_response_id: second.id });
seen.third = { text: third.output_text, model: third.model, conversation: third.conversation?.id, usage: third.usage };

// A round of a tool the router runs, read back by id.
const tool = await client.responses.create({ model: 'openai/gpt-4o-mini', input: 'What is the weather in Paris?', user: 'u-node-tool' });
const readBack = await client.responses.retrieve(tool.id);
seen.tool = { items: readBack.output.map(i => i.type), call: readBack.output.find(i => i.type === 'mcp_call'), text: tool.output_text };

// Chat Completions, whole and streamed with usage.
const chat = await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'Hello' }] });
let chatText = '';
let chatUsage;
for await (const chunk of await client.chat.completions.create({
  model: 'echo', messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true },
})) {
  chatText += chunk.choices[0]?.delta?.content ?? '';
  chatUsage = chunk.usage ?? chatUsage;
}
seen.chat = { text: chat.choices[0].message.content, usage: chat.usage, streamed: chatText, streamedUsage: chatUsage };

// Refusals, as the SDK raises them.
async function refusal(call) {
  try {
    await call();
    return null;
  } catch (error) {
    return { status: error.status, code: error.code, param: error.param, type: error.type };
  }
}
seen.errors = {
  noUser: await refusal(() => client.responses.create({ model: 'echo', input: 'Hi' })),
  unknownModel: await refusal(() => client.responses.create({ model: 'nope/x', input: 'Hi', user })),
  unknownPrevious: await refusal(() => client.responses.create({ model: 'echo', input: 'Hi', user, previous_response_id: 'resp_nothing' })),
};
seen.models = (await client.models.list()).data.map(m => m.id);

console.log(JSON.stringify(seen));
