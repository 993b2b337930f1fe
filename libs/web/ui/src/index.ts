export * from './lib/composer/composer.component';
export * from './lib/connection-indicator/connection-indicator.component';
export * from './lib/markdown/markdown.component';
export * from './lib/message-list/message-list.component';
export * from './lib/sparkline/sparkline.component';
export * from './lib/typing-indicator/typing-indicator.component';
