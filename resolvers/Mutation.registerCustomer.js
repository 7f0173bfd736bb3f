/**
 * Mutation.registerCustomer: creates the signed-in customer's profile in the user service. The
 * same customer registering again gets their existing profile back.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'POST',
    resourcePath: '/customers',
    params: {
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'x-forwarded-authorization': ctx.request.headers.authorization,
      },
      body: JSON.stringify(ctx.args.input),
    },
  };
}

export function response(ctx) {
  if (ctx.error) {
    util.error(ctx.error.message, 'DependencyFailure');
  }
  const body = JSON.parse(ctx.result.body);
  if (ctx.result.statusCode !== 200 && ctx.result.statusCode !== 201) {
    util.error(body.message, body.error, null, body.details);
  }
  return body;
}
