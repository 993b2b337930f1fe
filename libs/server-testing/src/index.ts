export * from './fake-openai-server.js';
export * from './redis-keys.js';
