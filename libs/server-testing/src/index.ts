export * from './fake-openai-server.js';
export * from './redis-keys.js';
export * from './oidc-provider.js';
export * from './pathological-documents.js';
