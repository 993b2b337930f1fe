// Source runs only (tests, `nx serve`): the worker loads parse-worker.ts through Node's own type
// stripping, with `./x.js` imports resolved to `./x.ts` as the TypeScript compiler would. The built
// server runs the compiled parse-worker.js directly and never loads this file.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        try {
          return await next(specifier, context);
        } catch (error) {
          if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(specifier.slice(0, -3) + '.ts', context);
          throw error;
        }
      }`),
);
const worker = await import('./parse-worker.ts');
export default worker.default;
