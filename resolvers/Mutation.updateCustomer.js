/**
 * Mutation.updateCustomer: changes the signed-in customer's profile in the user service; fields
 * left out of the input stay as they are.
 */
import { util } from '@aws-appsync/utils';

export function request(ctx) {
  return {
    method: 'PATCH',
    resourcePath: '/customers/me',
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
  if (ctx.result.statusCode !== 200) {
    util.error(body.message, body.error, null, body.details);
  }
  return body;
}
