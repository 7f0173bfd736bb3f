// A shopper's whole sign-in life through the real aws-amplify v6 Auth and API categories, against
// the local stack's dev identity provider and GraphQL endpoint. Run by tests/e2e/test_amplify_auth.py:
//
//   node auth_flow.mjs   (configuration in the AUTH_FLOW_CONFIG environment variable, JSON)
//
// Prints one JSON document: what each step returned or threw, and every user-pool call Amplify
// made (its X-Amz-Target and the error type the pool answered), so the test can assert on both
// Amplify's view and the wire.
import { execFileSync } from 'node:child_process';

import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/api';
import {
  confirmSignUp,
  fetchAuthSession,
  getCurrentUser,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';
import { sharedInMemoryStorage } from 'aws-amplify/utils';

const config = JSON.parse(process.env.AUTH_FLOW_CONFIG);

// Every call to the user pool, as the pool answered it, and where GraphQL requests went.
const calls = [];
const graphqlUrls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  const response = await realFetch(input, init);
  const headers = new Headers(init.headers ?? {});
  const target = headers.get('x-amz-target');
  if (target) {
    calls.push({
      url,
      operation: target.split('.').pop(),
      status: response.status,
      error: response.headers.get('x-amzn-errortype')?.split(':')[0] ?? null,
    });
  } else {
    graphqlUrls.push(url);
  }
  return response;
};

// The configuration exactly as `bnpl dev` wrote it (`bnpl amplify-config`).
Amplify.configure(config.amplify);
// Node has no localStorage: keep the tokens in memory, as a test browser would keep them.
cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);

const results = {};

async function step(name, action) {
  const callsBefore = calls.length;
  try {
    results[name] = { ok: true, value: await action() };
  } catch (error) {
    results[name] = { ok: false, name: error?.name ?? null, message: error?.message ?? String(error) };
    if (error?.errors) {
      results[name].errors = error.errors.map((e) => e.message);
    }
  }
  results[name].calls = calls.slice(callsBefore);
}

function outboxCode(email) {
  const printed = execFileSync(config.bnpl, ['outbox', '--json', '--to', email, '--limit', '1'], {
    env: process.env,
    encoding: 'utf-8',
  });
  return JSON.parse(printed)[0].code;
}

function claims(token) {
  return token ? { ...token.payload } : null;
}

async function session(options) {
  const { tokens } = await fetchAuthSession(options);
  return {
    idToken: claims(tokens?.idToken),
    accessToken: claims(tokens?.accessToken),
  };
}

const client = generateClient();
const ME = '{ me { id } }';

const { email, password, lockedEmail } = config;

await step('signUp', () =>
  signUp({ username: email, password, options: { userAttributes: { email } } }),
);
await step('signInUnconfirmed', () => signIn({ username: email, password }));
await step('confirmSignUp', () =>
  confirmSignUp({ username: email, confirmationCode: outboxCode(email) }),
);
await step('signInWrongPassword', () => signIn({ username: email, password: `${password}-wrong` }));
await step('signIn', () => signIn({ username: email, password }));
await step('currentUser', () => getCurrentUser());
await step('session', () => session());
await step('graphql', () => client.graphql({ query: ME }));
await step('refreshedSession', () => session({ forceRefresh: true }));
await step('graphqlAfterRefresh', () => client.graphql({ query: ME }));
await step('signOut', () => signOut());
await step('sessionAfterSignOut', () => session());

// Repeated failures lock a user out: even the right password is refused during the lockout.
await step('lockedSignUp', () =>
  signUp({ username: lockedEmail, password, options: { userAttributes: { email: lockedEmail } } }),
);
await step('lockedConfirm', () =>
  confirmSignUp({ username: lockedEmail, confirmationCode: outboxCode(lockedEmail) }),
);
for (let attempt = 1; attempt <= 5; attempt += 1) {
  await step(`lockedWrong${attempt}`, () =>
    signIn({ username: lockedEmail, password: `${password}-wrong` }),
  );
}
await step('lockedRightPassword', () => signIn({ username: lockedEmail, password }));

process.stdout.write(`${JSON.stringify({ results, calls, graphqlUrls }, null, 2)}\n`);
