/**
 * Mutation.startVerification: the user service sends a one-time code to the signed-in
 * customer's phone or email and answers the challenge (masked destination, expiry).
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'POST',
    resourcePath: '/customers/me/verifications',
    params: {
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-forwarded-authorization': ctx.request.headers.authorization,
      },
      body: JSON.stringify({ channel: ctx.args.channel }),
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, 'DependencyFailure');
  }
  const body = JSON.parse(ctx.result.body);
  if (ctx.result.statusCode !== 201) {
    util.error(body.message, body.error, null, body.details);
  }
  return body;
}
