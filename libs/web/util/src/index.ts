export * from './lib/citations';
export * from './lib/connection';
export * from './lib/format';
export * from './lib/message-groups';
export * from './lib/text';
export * from './lib/timeline';
export * from './lib/typing-text';
