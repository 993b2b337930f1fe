import type { LookupAddress } from 'node:dns';
import { checkedLookup, ForbiddenTargetError, isForbiddenAddress, resolveAllowed } from './ssrf-guard.js';

describe('ssrf guard', () => {
  it.each([
    '127.0.0.1', '127.9.9.9', '0.0.0.0', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1',
    '100.64.0.1', '100.127.255.255', '224.0.0.1', '255.255.255.255', '::1', '::', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254',
    'fd00::1', 'fc00::1', 'fd00:ec2::254', 'fe80::1', '64:ff9b::a00:1', 'ff02::1', 'not-an-ip',
  ])('should refuse %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])('should allow %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });

  const resolverFor = (answers: Record<string, string[]>) => async (host: string): Promise<LookupAddress[]> =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('should refuse a name when any of its addresses is forbidden, and check IP literals without DNS', async () => {
    const resolver = resolverFor({ 'mixed.test': ['93.184.215.14', '10.0.0.5'], 'public.test': ['93.184.215.14'] });
    await expect(resolveAllowed('mixed.test', false, resolver)).rejects.toBeInstanceOf(ForbiddenTargetError);
    await expect(resolveAllowed('[::1]', false, resolver)).rejects.toBeInstanceOf(ForbiddenTargetError);
    await expect(resolveAllowed('169.254.169.254', false, resolver)).rejects.toBeInstanceOf(ForbiddenTargetError);
    await expect(resolveAllowed('public.test', false, resolver)).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
    await expect(resolveAllowed('mixed.test', true, resolver)).resolves.toHaveLength(2);
  });

  it('should hand the connection the very address it checked, so a second DNS answer cannot rebind it', async () => {
    let calls = 0;
    // First answer public, every later one loopback: a rebinding name.
    const rebinding = async (): Promise<LookupAddress[]> => [{ address: calls++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
    const lookup = checkedLookup(false, rebinding);
    const first = await new Promise<[unknown, unknown]>((resolve) => lookup('rebind.test', {}, (error, address) => resolve([error, address])));
    expect(first).toEqual([null, '93.184.215.14']);
    const second = await new Promise<[unknown, unknown]>((resolve) => lookup('rebind.test', { all: true }, (error, address) => resolve([error, address])));
    expect(second[0]).toBeInstanceOf(ForbiddenTargetError);
    const all = await new Promise<unknown>((resolve) => checkedLookup(false, resolverFor({ 'two.test': ['93.184.215.14', '2606:4700:4700::1111'] }))('two.test', { all: true }, (_e, a) => resolve(a)));
    expect(all).toEqual([{ address: '93.184.215.14', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }]);
  });
});
