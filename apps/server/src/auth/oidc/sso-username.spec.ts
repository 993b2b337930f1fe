import { claimGrantsAdmin, suggestedUsername, usernameCandidates } from './sso-username.js';

describe(suggestedUsername.name, () => {
  it.each([
    [{ preferred_username: 'alice' }, 'alice'],
    [{ preferred_username: 'Zoë Müller' }, 'Zoe-Muller'],
    [{ preferred_username: 'a', email: 'bob.b@corp.example' }, 'bob.b'],
    [{ email: 'x@corp.example' }, 'sso-sub123'],
    [{ preferred_username: 'DOMAIN\\user name' }, 'DOMAIN-user-name'],
    [{}, 'sso-sub123'],
  ])('should make %j into %s', (claims, expected) => {
    expect(suggestedUsername(claims, 'sub-123')).toBe(expected);
  });

  it('should always fit the local username rule', () => {
    const name = suggestedUsername({ preferred_username: 'x'.repeat(200) }, 's');
    for (const candidate of usernameCandidates(name, 60)) expect(candidate).toMatch(/^[a-zA-Z0-9_.-]{3,64}$/);
  });
});

describe(claimGrantsAdmin.name, () => {
  it('should match an array or a string claim against the admin values', () => {
    expect(claimGrantsAdmin(['staff', 'chat-admins'], ['chat-admins'])).toBe(true);
    expect(claimGrantsAdmin('chat-admins', ['chat-admins'])).toBe(true);
    expect(claimGrantsAdmin('staff chat-admins', ['chat-admins'])).toBe(true);
    expect(claimGrantsAdmin(['staff'], ['chat-admins'])).toBe(false);
    expect(claimGrantsAdmin(undefined, ['chat-admins'])).toBe(false);
    expect(claimGrantsAdmin([{ name: 'chat-admins' }], ['chat-admins'])).toBe(false);
  });
});
