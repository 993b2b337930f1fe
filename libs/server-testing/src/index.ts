export * from './fake-openai-server.js';
export * from './redis-keys.js';
export * from './oidc-provider.js';
