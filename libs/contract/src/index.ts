export * from './errors.js';
export * from './models.js';
export * from './events.js';
export * from './knowledge.js';
export * from './rules.js';
export * from './operations.js';
export * from './sign-in.js';
