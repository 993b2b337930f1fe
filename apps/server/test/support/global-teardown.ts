export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __chatEmbeddedPg?: { stop: () => Promise<void> } }).__chatEmbeddedPg?.stop();
}
